//! praudit's text form of each token: a label, then fields, each preceded by the delimiter.
//! `-r` prints the token id instead of the label and numbers instead of names.

use bsm_format::Token;

use super::fmt::{self, uint};
use super::Printer;

/// praudit prints at most this many exec arguments or variables (it still reads them all).
pub const MAX_SHOWN_STRINGS: usize = 128;

impl Printer<'_> {
    pub(super) fn label(&self, out: &mut Vec<u8>, t: &Token, label: &str) {
        if self.opts.raw {
            uint(out, t.id().0 as u64);
        } else {
            out.extend_from_slice(label.as_bytes());
        }
    }

    pub(super) fn d(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.opts.delim);
    }

    pub(super) fn text_bytes(&self, out: &mut Vec<u8>, b: &[u8]) {
        if self.opts.safe {
            fmt::safe_text(out, b);
        } else {
            fmt::raw_text(out, b);
        }
    }

    pub(super) fn user(&self, out: &mut Vec<u8>, uid: u32) {
        if self.opts.raw {
            fmt::int(out, uid as i32 as i64);
        } else {
            self.accounts.write_user(uid, out);
        }
    }

    pub(super) fn group(&self, out: &mut Vec<u8>, gid: u32) {
        if self.opts.raw {
            fmt::int(out, gid as i32 as i64);
        } else {
            self.accounts.write_group(gid, out);
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
