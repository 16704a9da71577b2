//! praudit's text form of each token: a label, then fields, each preceded by the delimiter.
//! `-r` prints the token id instead of the label and numbers instead of names.

use bsm_format::Token;

use super::fmt::{self, uint};
use super::Printer;
use crate::read::accounts::Id;

/// praudit prints at most this many exec arguments or variables (it still reads them all).
pub const MAX_SHOWN_STRINGS: usize = 128;

impl Printer<'_> {
    // Inlined so that a literal label is copied as a constant-size move, not a memcpy call:
    // there is one per token.
    #[inline(always)]
    pub(super) fn label(&self, out: &mut Vec<u8>, t: &Token, label: &str) {
        if self.opts.raw {
            uint(out, t.id().0 as u64);
        } else {
            out.extend_from_slice(label.as_bytes());
        }
    }

    #[inline(always)]
    pub(super) fn d(&self, out: &mut Vec<u8>) {
        // Nearly always one byte: a push, not a copy of unknown length.
        match self.opts.delim.as_slice() {
            [c] => out.push(*c),
            delim => out.extend_from_slice(delim),
        }
    }

    pub(super) fn text_bytes(&self, out: &mut Vec<u8>, b: &[u8]) {
        if self.opts.safe {
            fmt::safe_text(out, b);
        } else {
            fmt::raw_text(out, b);
        }
    }

    /// A user or group: the name, or the number (signed, as praudit's `%d`) under `-r`.
    pub(super) fn id(&mut self, out: &mut Vec<u8>, id: Id) {
        match id {
            Id::User(n) | Id::Group(n) if self.opts.raw => fmt::int(out, n as i32 as i64),
            _ => self.names.write(&self.accounts, id, out),
        }
    }

    /// The event as praudit names it: number (-r), short name (-s) or description.
    pub(super) fn event(&self, out: &mut Vec<u8>, n: u16) {
        if !self.opts.raw {
            if let Some(e) = self.events.get(n) {
                let s = if self.opts.short {
                    &e.name
                } else {
                    &e.description
                };
                out.extend_from_slice(s.as_bytes());
                return;
            }
        }
        uint(out, n as u64);
    }

    pub(super) fn errno(&self, out: &mut Vec<u8>, e: bsm_format::BsmErrno) {
        if self.opts.raw {
            uint(out, e.0 as u64);
        } else {
            fmt::errno_text(out, e);
        }
    }

    /// Appends the text form of one token (without the trailing delimiter or newline).
    pub(super) fn text_token(&mut self, out: &mut Vec<u8>, t: &Token) {
        use super::tokens::{family, Family};
        match family(t) {
            Some(Family::Header) => self.text_header(out, t),
            Some(Family::Process) => self.text_process(out, t),
            Some(Family::Result) => self.text_result(out, t),
            Some(Family::Arg) => self.text_arg(out, t),
            Some(Family::Attr) => self.text_attr(out, t),
            Some(Family::Net) => self.text_net(out, t),
            Some(Family::Ipc) => self.text_ipc(out, t),
            Some(Family::Strings) => self.text_strings(out, t),
            Some(Family::Misc) => self.text_misc(out, t),
            // A token type added to the decoder but not yet to the printer.
            None => self.label(out, t, "unknown"),
        }
    }
}
