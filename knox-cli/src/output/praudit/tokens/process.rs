//! praudit's text and XML forms of subject and process tokens (bsm-format's `token/process.rs`).

use bsm_format::token::Width;
use bsm_format::Token;

use crate::output::praudit::fmt::{self, uint};
use crate::output::praudit::Printer;
use crate::read::accounts::Id;

impl Printer<'_> {
    /// The text form of one of these tokens.
    pub(in crate::output::praudit) fn text_process(&mut self, out: &mut Vec<u8>, t: &Token) {
        match t {
            Token::Subject(s) | Token::Process(s) => {
                let label = match (matches!(t, Token::Process(_)), s.ex) {
                    (false, false) => "subject",
                    (false, true) => "subject_ex",
                    (true, false) => "process",
                    (true, true) => "process_ex",
                };
                self.label(out, t, label);
                self.d(out);
                self.id(out, Id::User(s.auid));
                self.d(out);
                self.id(out, Id::User(s.euid));
                self.d(out);
                self.id(out, Id::Group(s.egid));
                self.d(out);
                self.id(out, Id::User(s.ruid));
                self.d(out);
                self.id(out, Id::Group(s.rgid));
                self.d(out);
                uint(out, s.pid as u64);
                self.d(out);
                uint(out, s.sid as u64);
                self.d(out);
                uint(out, s.tid.port);
                self.d(out);
                fmt::addr(out, &s.tid.addr);
            }
            _ => {}
        }
    }

    /// The XML form of one of these tokens.
    pub(in crate::output::praudit) fn xml_process(&mut self, out: &mut Vec<u8>, t: &Token) {
        match t {
            Token::Subject(s) | Token::Process(s) => {
                let process = matches!(t, Token::Process(_));
                out.extend_from_slice(if process { b"<process " } else { b"<subject " });
                self.xml_id(out, "audit-uid", Id::User(s.auid));
                self.xml_id(out, "uid", Id::User(s.euid));
                self.xml_id(out, "gid", Id::Group(s.egid));
                self.xml_id(out, "ruid", Id::User(s.ruid));
                self.xml_id(out, "rgid", Id::Group(s.rgid));
                self.attr_uint(out, "pid", s.pid as u64);
                self.attr_uint(out, "sid", s.sid as u64);
                self.attr(out, "tid", |_, o| {
                    uint(o, s.tid.port);
                    // praudit separates port and address with a space only in subject32.
                    if !process && !s.ex && s.width == Width::W32 {
                        o.push(b' ');
                    }
                    fmt::addr(o, &s.tid.addr);
                });
                out.extend_from_slice(b"/>");
            }
            _ => {}
        }
    }
}
