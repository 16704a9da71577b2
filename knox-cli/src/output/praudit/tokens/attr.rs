//! praudit's text and XML forms of attribute tokens (bsm-format's `token/attr.rs`).

use bsm_format::Token;

use crate::output::praudit::fmt::{self, uint};
use crate::output::praudit::Printer;
use crate::read::accounts::Id;

impl Printer<'_> {
    /// The text form of one of these tokens.
    pub(in crate::output::praudit) fn text_attr(&mut self, out: &mut Vec<u8>, t: &Token) {
        let Token::Attr(a) = t else {
            return;
        };
        self.label(out, t, "attribute");
        self.d(out);
        fmt::octal(out, a.mode as u64);
        self.d(out);
        self.id(out, Id::User(a.uid));
        self.d(out);
        self.id(out, Id::Group(a.gid));
        self.d(out);
        uint(out, a.fsid as u64);
        self.d(out);
        fmt::int(out, a.nodeid as i64);
        self.d(out);
        uint(out, a.device);
    }

    /// The XML form of one of these tokens.
    pub(in crate::output::praudit) fn xml_attr(&mut self, out: &mut Vec<u8>, t: &Token) {
        let Token::Attr(a) = t else {
            return;
        };
        out.extend_from_slice(b"<attribute ");
        self.attr(out, "mode", |_, o| fmt::octal(o, a.mode as u64));
        self.xml_id(out, "uid", Id::User(a.uid));
        self.xml_id(out, "gid", Id::Group(a.gid));
        self.attr_uint(out, "fsid", a.fsid as u64);
        self.attr(out, "nodeid", |_, o| fmt::int(o, a.nodeid as i64));
        self.attr_uint(out, "device", a.device);
        out.extend_from_slice(b"/>");
    }
}
