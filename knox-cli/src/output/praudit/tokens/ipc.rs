//! praudit's text and XML forms of IPC and IPC permission tokens (bsm-format's `token/ipc.rs`).

use bsm_format::Token;

use crate::output::praudit::fmt::{self, uint};
use crate::output::praudit::Printer;
use crate::read::accounts::Id;

impl Printer<'_> {
    /// The text form of one of these tokens.
    pub(in crate::output::praudit) fn text_ipc(&mut self, out: &mut Vec<u8>, t: &Token) {
        let raw = self.opts.raw;
        match t {
            Token::Ipc(i) => {
                self.label(out, t, "IPC");
                self.d(out);
                ipc_type(out, i.kind, raw);
                self.d(out);
                uint(out, i.id as u64);
            }
            Token::IpcPerm(p) => {
                self.label(out, t, "IPC perm");
                self.d(out);
                self.id(out, Id::User(p.uid));
                self.d(out);
                self.id(out, Id::Group(p.gid));
                self.d(out);
                self.id(out, Id::User(p.cuid));
                self.d(out);
                self.id(out, Id::Group(p.cgid));
                self.d(out);
                fmt::octal(out, p.mode as u64);
                self.d(out);
                uint(out, p.seq as u64);
                self.d(out);
                uint(out, p.key as u64);
            }
            _ => {}
        }
    }

    /// The XML form of one of these tokens.
    pub(in crate::output::praudit) fn xml_ipc(&mut self, out: &mut Vec<u8>, t: &Token) {
        let raw = self.opts.raw;
        match t {
            Token::Ipc(i) => {
                out.extend_from_slice(b"<IPC ");
                self.attr(out, "ipc-type", |_, o| ipc_type(o, i.kind, raw));
                self.attr_uint(out, "ipc-id", i.id as u64);
                out.extend_from_slice(b"/>");
            }
            Token::IpcPerm(p) => {
                out.extend_from_slice(b"<IPC_perm ");
                self.xml_id(out, "uid", Id::User(p.uid));
                self.xml_id(out, "gid", Id::Group(p.gid));
                self.xml_id(out, "creator-uid", Id::User(p.cuid));
                self.xml_id(out, "creator-gid", Id::Group(p.cgid));
                self.attr(out, "mode", |_, o| fmt::octal(o, p.mode as u64));
                self.attr_uint(out, "seq", p.seq as u64);
                self.attr_uint(out, "key", p.key as u64);
                out.extend_from_slice(b"/>");
            }
            _ => {}
        }
    }
}

fn ipc_type(out: &mut Vec<u8>, kind: u8, raw: bool) {
    let name: &[u8] = match kind {
        1 if !raw => b"Message IPC",
        2 if !raw => b"Semaphore IPC",
        3 if !raw => b"Shared Memory IPC",
        _ => {
            uint(out, kind as u64);
            return;
        }
    };
    out.extend_from_slice(name);
}
