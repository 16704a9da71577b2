//! String-list tokens: exec_args (0x3c), exec_env (0x3d), and Apple's krb5 principal (0xEE) and
//! certificate hash (0xEF). A u32 count, then that many NUL-terminated strings, with no byte length.
//!
//! The count is a claim. xnu writes the original argc even when it stopped copying strings at its
//! 16 KiB cap (FORMAT.md §3.6, Q2), so a token can hold fewer strings than it says. Walking `count`
//! strings would then swallow the tokens that follow. The decoder therefore checks that what
//! follows the walked strings is a well-formed rest of the record, and if not, looks for the
//! shortest reading that leaves one. The search is bounded by the record's work budget.

use serde::Serialize;

use super::{chain_is_clean, Ctx};
use crate::cursor::Cursor;
use crate::error::{Error, ErrorKind};
use crate::types::serialize_bytes_lossless;
use crate::wire;

/// The most strings an exec-style token can really carry: ARG_MAX (1 MiB) of two-byte strings.
const MAX_PLAUSIBLE_COUNT: u32 = 1 << 19;

/// A list of NUL-terminated strings with a claimed count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StringList<'a> {
    /// The count written in the token.
    pub count: u32,
    /// How many strings are actually present (can be fewer than `count`).
    pub present: u32,
    /// The strings, each followed by its NUL.
    raw: &'a [u8],
}

impl<'a> StringList<'a> {
    /// Iterates over the strings present, without their NULs.
    pub fn iter(&self) -> StringIter<'a> {
        StringIter { rest: self.raw }
    }

    /// The raw bytes of the strings, each with its NUL.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    pub(crate) fn encode(&self, id: u8, out: &mut Vec<u8>) {
        wire::u8(out, id);
        wire::u32(out, self.count);
        out.extend_from_slice(self.raw);
    }

    /// Encodes a list of strings; `count` is the number given (NULs inside a string split it).
    pub fn encode_strings<S: AsRef<[u8]>>(id: u8, strings: &[S], out: &mut Vec<u8>) {
        wire::u8(out, id);
        wire::u32(out, strings.len() as u32);
        for s in strings {
            out.extend_from_slice(s.as_ref());
            out.push(0);
        }
    }

    pub(crate) fn decode(
        c: &mut Cursor<'a>,
        what: &'static str,
        ctx: &Ctx,
        depth: u32,
    ) -> Result<StringList<'a>, Error> {
        let count_at = c.offset();
        let count = c.u32(what)?;
        let start = c.pos();
        let rest = c.rest();

        let (walked, n) = walk(rest, count);
        // Walking is work too: inside a look-ahead it is paid for, and a spent budget ends the
        // look-ahead (this reading is not tried).
        if depth > 0 && !ctx.spend(walked) {
            return Err(Error::new(count_at, ErrorKind::StringCount { what, count }));
        }
        // No exec has more arguments than ARG_MAX (1 MiB on macOS, less on FreeBSD) could hold,
        // so a larger claim that the strings do not bear out is damage, not xnu's truncation.
        if count > MAX_PLAUSIBLE_COUNT && n < count {
            return Err(Error::new(count_at, ErrorKind::StringCount { what, count }));
        }
        let walked_all = n == count;
        // Inside a validation pass the caller checks what follows; at the top level we do.
        if walked_all
            && (depth > 0 || ctx.validated.get() || chain_is_clean(ctx, start + walked, depth + 1))
        {
            return Ok(accept(c, count, n, walked));
        }
        // Fewer strings than claimed: the shortest reading whose rest of record is well formed.
        let mut pos = 0usize;
        let candidates = if walked_all { n } else { n + 1 };
        for i in 0..candidates {
            if chain_is_clean(ctx, start + pos, depth + 1) {
                return Ok(accept(c, count, i, pos));
            }
            let step = memchr::memchr(0, &rest[pos..]).map_or(rest.len() - pos, |k| k + 1);
            if !ctx.spend(step) {
                break;
            }
            pos += step;
        }
        if walked_all {
            // No shorter reading helps: trust the count and let later tokens report their errors.
            return Ok(accept(c, count, n, walked));
        }
        Err(Error::new(count_at, ErrorKind::StringCount { what, count }))
    }
}

/// Walks up to `count` NUL-terminated strings; returns the bytes consumed and the strings found.
fn walk(rest: &[u8], count: u32) -> (usize, u32) {
    let mut pos = 0usize;
    let mut n = 0u32;
    while n < count {
        match memchr::memchr(0, &rest[pos..]) {
            Some(k) => {
                pos += k + 1;
                n += 1;
            }
            None => break,
        }
    }
    (pos, n)
}

fn accept<'a>(c: &mut Cursor<'a>, count: u32, present: u32, len: usize) -> StringList<'a> {
    let raw = &c.rest()[..len];
    // Cannot fail: `len` was measured within the rest.
    let _ = c.bytes(len, "strings");
    StringList {
        count,
        present,
        raw,
    }
}

/// Iterator over the strings of a [`StringList`].
#[derive(Clone)]
pub struct StringIter<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for StringIter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        let end = memchr::memchr(0, self.rest).unwrap_or(self.rest.len());
        let s = &self.rest[..end];
        self.rest = self.rest.get(end + 1..).unwrap_or(&[]);
        Some(s)
    }
}

impl Serialize for StringList<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        struct Strings<'x>(StringIter<'x>);
        impl Serialize for Strings<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeSeq;
                let mut seq = s.serialize_seq(None)?;
                for item in self.0.clone() {
                    seq.serialize_element(&Lossless(item))?;
                }
                seq.end()
            }
        }
        struct Lossless<'x>(&'x [u8]);
        impl Serialize for Lossless<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                serialize_bytes_lossless(self.0, s)
            }
        }
        let mut st = s.serialize_struct("StringList", 3)?;
        st.serialize_field("count", &self.count)?;
        st.serialize_field("present", &self.present)?;
        st.serialize_field("strings", &Strings(self.iter()))?;
        st.end()
    }
}
