//! praudit's text and XML forms of return, exit and ret_uuid tokens (bsm-format's `token/result.rs`).

use bsm_format::token::Width;
use bsm_format::Token;

use crate::output::praudit::fmt::{self, uint};
use crate::output::praudit::Printer;

impl Printer<'_> {
    /// The text form of one of these tokens.
    pub(in crate::output::praudit) fn text_result(&mut self, out: &mut Vec<u8>, t: &Token) {
        match t {
            Token::Return(r) => {
                self.label(out, t, "return");
                self.d(out);
                self.errno(out, r.errno);
                self.d(out);
                match r.width {
                    Width::W32 => uint(out, r.value),
                    Width::W64 => fmt::int(out, r.value as i64),
                }
            }
            Token::Exit(e) => {
                self.label(out, t, "exit");
                self.d(out);
                // The word Error is printed for every status, even 0 and even with -r.
                out.extend_from_slice(b"Error ");
                uint(out, e.status as u64);
                self.d(out);
                uint(out, e.retval as u64);
            }
            Token::ReturnUuid(r) => {
                self.label(out, t, "ret_uuid");
                self.d(out);
                uint(out, r.status as u64);
                self.d(out);
                fmt::uuid(out, &r.uuid);
                self.d(out);
                self.text_bytes(out, r.text.raw());
            }
            _ => {}
        }
    }

    /// The XML form of one of these tokens.
    pub(in crate::output::praudit) fn xml_result(&mut self, out: &mut Vec<u8>, t: &Token) {
        match t {
            Token::Return(r) => {
                out.extend_from_slice(b"<return ");
                self.attr(out, "errval", |p, o| {
                    if p.opts.raw {
                        uint(o, r.errno.0 as u64)
                    } else {
                        fmt::errno_text(o, r.errno)
                    }
                });
                self.attr(out, "retval", |_, o| match r.width {
                    Width::W32 => uint(o, r.value),
                    Width::W64 => fmt::int(o, r.value as i64),
                });
                out.extend_from_slice(b"/>");
            }
            Token::Exit(e) => {
                out.extend_from_slice(b"<exit ");
                self.attr(out, "errval", |_, o| {
                    o.extend_from_slice(b"Error ");
                    uint(o, e.status as u64);
                });
                self.attr_uint(out, "retval", e.retval as u64);
                out.extend_from_slice(b"/>");
            }
            Token::ReturnUuid(r) => {
                out.extend_from_slice(b"<ret_uuid ");
                self.attr_uint(out, "num", r.status as u64);
                self.attr(out, "uuid", |_, o| fmt::uuid(o, &r.uuid));
                self.attr_text(out, "desc", r.text.raw());
                out.extend_from_slice(b"/>");
            }
            _ => {}
        }
    }
}
