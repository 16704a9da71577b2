//! praudit's XML form of each token, with its broken cases fixed so that the output is always
//! well-formed: header_ex as record attributes, `<IPC ipc-type=...>`, one `<group>` element,
//! element names for uuid and privilege tokens, and escaped text.

use bsm_format::Token;

use super::fmt::{self, uint, XmlPlace};
use super::Printer;
use crate::read::accounts::Id;

impl Printer<'_> {
    pub(super) fn attr(&self, out: &mut Vec<u8>, name: &str, f: impl FnOnce(&Self, &mut Vec<u8>)) {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"=\"");
        f(self, out);
        out.extend_from_slice(b"\" ");
    }

    pub(super) fn attr_text(&self, out: &mut Vec<u8>, name: &str, b: &[u8]) {
        self.attr(out, name, |_, o| fmt::xml_text(o, b, XmlPlace::Attribute));
    }

    pub(super) fn attr_uint(&self, out: &mut Vec<u8>, name: &str, v: u64) {
        self.attr(out, name, |_, o| uint(o, v));
    }

    /// A user or group attribute: the name, or the number under `-r`.
    pub(super) fn xml_id(&mut self, out: &mut Vec<u8>, name: &str, id: Id) {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"=\"");
        let start = out.len();
        self.id(out, id);
        fmt::xml_escape_tail(out, start, XmlPlace::Attribute);
        out.extend_from_slice(b"\" ");
    }

    pub(super) fn element(&self, out: &mut Vec<u8>, name: &str, content: &[u8]) {
        out.push(b'<');
        out.extend_from_slice(name.as_bytes());
        out.push(b'>');
        fmt::xml_text(out, content, XmlPlace::Content);
        out.extend_from_slice(b"</");
        out.extend_from_slice(name.as_bytes());
        out.push(b'>');
    }

    /// Appends the XML form of one token (without the newline that separates tokens).
    pub(super) fn xml_token(&mut self, out: &mut Vec<u8>, t: &Token) {
        use super::tokens::{family, Family};
        match family(t) {
            Some(Family::Header) => self.xml_header(out, t),
            Some(Family::Process) => self.xml_process(out, t),
            Some(Family::Result) => self.xml_result(out, t),
            Some(Family::Arg) => self.xml_arg(out, t),
            Some(Family::Attr) => self.xml_attr(out, t),
            Some(Family::Net) => self.xml_net(out, t),
            Some(Family::Ipc) => self.xml_ipc(out, t),
            Some(Family::Strings) => self.xml_strings(out, t),
            Some(Family::Misc) => self.xml_misc(out, t),
            // Unknown tokens print nothing, as in praudit.
            None => {}
        }
    }
}
