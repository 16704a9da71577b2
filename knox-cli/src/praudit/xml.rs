//! praudit's XML form of each token, with its broken cases fixed so that the output is always
//! well-formed: header_ex as record attributes, `<IPC ipc-type=...>`, one `<group>` element,
//! element names for uuid and privilege tokens, and escaped text.

use bsm_format::Token;

use super::fmt::{self, uint, XmlPlace};
use super::Printer;

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

    pub(super) fn xml_user(&self, out: &mut Vec<u8>, name: &str, uid: u32) {
        self.attr(out, name, |p, o| {
            let start = o.len();
            if p.opts.raw {
                fmt::int(o, uid as i32 as i64);
            } else {
                p.accounts.write_user(uid, o);
            }
            fmt::xml_escape_tail(o, start, XmlPlace::Attribute);
        });
    }

    pub(super) fn xml_group(&self, out: &mut Vec<u8>, name: &str, gid: u32) {
        self.attr(out, name, |p, o| {
            let start = o.len();
            if p.opts.raw {
                fmt::int(o, gid as i32 as i64);
            } else {
                p.accounts.write_group(gid, o);
            }
            fmt::xml_escape_tail(o, start, XmlPlace::Attribute);
        });
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
        match t {
            Token::Header(_) | Token::Trailer(_) | Token::File(_) => self.xml_header(out, t),
            Token::Subject(_) | Token::Process(_) => self.xml_process(out, t),
            Token::Return(_) | Token::Exit(_) | Token::ReturnUuid(_) => self.xml_result(out, t),
            Token::Arg(_) | Token::ArgUuid(_) => self.xml_arg(out, t),
            Token::Attr(_) => self.xml_attr(out, t),
            Token::InAddr(_)
            | Token::InAddrEx(_)
            | Token::Ip(_)
            | Token::Iport(_)
            | Token::Socket(_)
            | Token::SocketEx(_)
            | Token::SockInet(_)
            | Token::SockUnix(_) => self.xml_net(out, t),
            Token::Ipc(_) | Token::IpcPerm(_) => self.xml_ipc(out, t),
            Token::Path(_)
            | Token::Text(_)
            | Token::Zonename(_)
            | Token::ExecArgs(_)
            | Token::ExecEnv(_)
            | Token::Krb5Principal(_)
            | Token::CertHash(_) => self.xml_strings(out, t),
            Token::Data(_)
            | Token::Opaque(_)
            | Token::Seq(_)
            | Token::Privset(_)
            | Token::Upriv(_)
            | Token::NewGroups(_)
            | Token::Rights(_)
            | Token::Identity(_) => self.xml_misc(out, t),
            // Unknown tokens print nothing, as in praudit.
            _ => {}
        }
    }
}
