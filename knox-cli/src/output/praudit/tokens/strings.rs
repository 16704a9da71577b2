//! praudit's text and XML forms of text tokens (path, text, zone) and string lists (exec arguments and environment, krb5 principal, certificate hash) (bsm-format's `token/strings.rs and the text tokens of token/mod.rs`).

use bsm_format::Token;

use crate::output::praudit::fmt::{self};
use crate::output::praudit::text::MAX_SHOWN_STRINGS;
use crate::output::praudit::Printer;

/// Labels of the string-list tokens.
const EXEC_ARG: &str = "exec arg";
const EXEC_ENV: &str = "exec env";

impl Printer<'_> {
    /// The text form of one of these tokens.
    pub(in crate::output::praudit) fn text_strings(&mut self, out: &mut Vec<u8>, t: &Token) {
        match t {
            Token::Path(p) => {
                self.label(out, t, "path");
                self.d(out);
                self.text_bytes(out, p.raw());
            }
            Token::Text(x) => {
                self.label(out, t, "text");
                self.d(out);
                self.text_bytes(out, x.raw());
            }
            Token::ExecArgs(l)
            | Token::ExecEnv(l)
            | Token::Krb5Principal(l)
            | Token::CertHash(l) => {
                let label = match t {
                    Token::ExecArgs(_) => EXEC_ARG,
                    Token::ExecEnv(_) => EXEC_ENV,
                    Token::Krb5Principal(_) => "krb5 principal",
                    _ => "certificate hash",
                };
                self.label(out, t, label);
                for s in l.iter().take(MAX_SHOWN_STRINGS) {
                    self.d(out);
                    self.text_bytes(out, s);
                }
            }
            Token::Zonename(z) => {
                self.label(out, t, "zone");
                self.d(out);
                self.text_bytes(out, z.raw());
            }
            _ => {}
        }
    }

    /// The XML form of one of these tokens.
    pub(in crate::output::praudit) fn xml_strings(&mut self, out: &mut Vec<u8>, t: &Token) {
        match t {
            Token::Path(p) => self.element(out, "path", p.raw()),
            Token::Text(x) => self.element(out, "text", x.raw()),
            Token::ExecArgs(l)
            | Token::ExecEnv(l)
            | Token::Krb5Principal(l)
            | Token::CertHash(l) => {
                let (outer, inner): (&[u8], &[u8]) = match t {
                    Token::ExecArgs(_) => (b"exec_args", b"arg"),
                    Token::ExecEnv(_) => (b"exec_env", b"env"),
                    Token::Krb5Principal(_) => (b"krb5_principal", b"principal"),
                    _ => (b"certificate_hash", b"hash"),
                };
                out.push(b'<');
                out.extend_from_slice(outer);
                out.push(b'>');
                for s in l.iter().take(MAX_SHOWN_STRINGS) {
                    out.push(b'<');
                    out.extend_from_slice(inner);
                    out.push(b'>');
                    fmt::xml_vis(out, s);
                    out.extend_from_slice(b"</");
                    out.extend_from_slice(inner);
                    out.push(b'>');
                }
                out.extend_from_slice(b"</");
                out.extend_from_slice(outer);
                out.push(b'>');
            }
            Token::Zonename(z) => {
                out.extend_from_slice(b"<zone ");
                self.attr_text(out, "name", z.raw());
                out.extend_from_slice(b"/>");
            }
            _ => {}
        }
    }
}
