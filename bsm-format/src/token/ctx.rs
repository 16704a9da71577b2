//! The decoding context of one record's tokens: where its trailer is, and the work budget of
//! string-list readings, which look ahead at the tokens that follow.

use std::cell::Cell;

use crate::cursor::Cursor;
use crate::ids::{TokenId, TRAILER_MAGIC, TRAILER_SIZE};
use crate::token::Token;

/// Decoding context shared by the tokens of one record.
pub(crate) struct Ctx<'a> {
    pub(crate) buf: &'a [u8],
    pub(crate) base: u64,
    /// Where an unknown token stops: the trailer's position when the record ends in one.
    pub(crate) unknown_end: usize,
    /// Whether the record's last 7 bytes look like a trailer.
    pub(crate) trailer_shaped: bool,
    /// Work left for validating string-list readings (bytes of tokens decoded), so that a
    /// hostile record cannot make the search slow.
    pub(crate) budget: Cell<usize>,
    /// Set once the rest of the record after a string list has been proven well formed.
    pub(crate) validated: Cell<bool>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(buf: &'a [u8], base: u64) -> Ctx<'a> {
        let t = buf.len().checked_sub(TRAILER_SIZE);
        let trailer_shaped = t.is_some_and(|t| {
            buf[t] == TokenId::TRAILER.0 && buf[t + 1..t + 3] == TRAILER_MAGIC.to_be_bytes()
        });
        let unknown_end = match t {
            Some(t) if buf[t] == TokenId::TRAILER.0 => t,
            _ => buf.len(),
        };
        Ctx {
            buf,
            base,
            unknown_end,
            trailer_shaped,
            budget: Cell::new(buf.len().saturating_mul(64).saturating_add(1 << 16)),
            validated: Cell::new(false),
        }
    }

    /// Takes `n` bytes' worth of work from the validation budget; `false` once it is spent (the
    /// reading that would need the work is then not tried). Every look-ahead pays: each try of
    /// a reading, each string walked, each token decoded, so that no record, however its string
    /// lists nest, costs more than its budget.
    pub(crate) fn spend(&self, n: usize) -> bool {
        let left = self.budget.get();
        if n > left {
            self.budget.set(0);
            return false;
        }
        self.budget.set(left - n);
        true
    }
}

/// What one try of a reading costs the budget before it decodes anything.
const TRY_COST: usize = 64;

/// Most nested string-list readings tried inside one another.
const MAX_DEPTH: u32 = 8;

/// Whether the bytes of the record from `pos` on decode as known tokens, ending exactly at the
/// record's end (with its trailer, when the record ends in something trailer-shaped).
pub(crate) fn chain_is_clean(ctx: &Ctx<'_>, pos: usize, depth: u32) -> bool {
    if depth > MAX_DEPTH || pos > ctx.buf.len() || !ctx.spend(TRY_COST) {
        return false;
    }
    let mut c = Cursor::new(ctx.buf, ctx.base);
    if c.bytes(pos, "skip").is_err() {
        return false;
    }
    loop {
        if c.remaining() == 0 {
            return !ctx.trailer_shaped;
        }
        let before = c.pos();
        match Token::decode(&mut c, ctx, depth) {
            Ok(Token::Trailer(_)) => return c.remaining() == 0,
            Ok(Token::Unknown { .. } | Token::Header(_) | Token::File(_)) | Err(_) => return false,
            Ok(_) => {
                if !ctx.spend(c.pos() - before) {
                    return false;
                }
            }
        }
    }
}
