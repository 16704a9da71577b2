//! praudit's text and XML forms of argument and arg_uuid tokens (bsm-format's `token/arg.rs`).

use bsm_format::Token;

use crate::output::praudit::fmt::{self, uint};
use crate::output::praudit::Printer;

impl Printer<'_> {
    /// The text form of one of these tokens.
    pub(in crate::output::praudit) fn text_arg(&mut self, out: &mut Vec<u8>, t: &Token) {
        match t {
            Token::Arg(a) => {
                self.label(out, t, "argument");
                self.d(out);
                uint(out, a.argno as u64);
                self.d(out);
                fmt::hex0x(out, a.value);
                self.d(out);
                self.text_bytes(out, a.text.raw());
            }
            Token::ArgUuid(a) => {
                self.label(out, t, "arg_uuid");
                self.d(out);
                uint(out, a.argno as u64);
                self.d(out);
                fmt::uuid(out, &a.uuid);
                self.d(out);
                self.text_bytes(out, a.text.raw());
            }
            _ => {}
        }
    }

    /// The XML form of one of these tokens.
    pub(in crate::output::praudit) fn xml_arg(&mut self, out: &mut Vec<u8>, t: &Token) {
        match t {
            Token::Arg(a) => {
                out.extend_from_slice(b"<argument ");
                self.attr_uint(out, "arg-num", a.argno as u64);
                self.attr(out, "value", |_, o| fmt::hex0x(o, a.value));
                self.attr_text(out, "desc", a.text.raw());
                out.extend_from_slice(b"/>");
            }
            Token::ArgUuid(a) => {
                out.extend_from_slice(b"<arg_uuid ");
                self.attr_uint(out, "num", a.argno as u64);
                self.attr(out, "uuid", |_, o| fmt::uuid(o, &a.uuid));
                self.attr_text(out, "desc", a.text.raw());
                out.extend_from_slice(b"/>");
            }
            _ => {}
        }
    }
}
