//! praudit's text and XML forms of data, opaque, sequence, privilege, group, rights, identity and unknown tokens (bsm-format's `token/misc.rs`).

use bsm_format::Token;

use crate::output::praudit::fmt::{self, uint, XmlPlace};
use crate::output::praudit::Printer;
use crate::read::accounts::Id;

impl Printer<'_> {
    /// The text form of one of these tokens.
    pub(in crate::output::praudit) fn text_misc(&mut self, out: &mut Vec<u8>, t: &Token) {
        match t {
            Token::Data(d) => {
                self.label(out, t, "arbitrary");
                self.d(out);
                let Some(how) = how_name(d.how_to_print) else {
                    return;
                };
                out.extend_from_slice(how.as_bytes());
                self.d(out);
                out.extend_from_slice(unit_name(d.unit_type).as_bytes());
                self.d(out);
                uint(out, d.count as u64);
                self.d(out);
                if self.opts.safe {
                    // binary and string print raw bytes: make them visible too.
                    let mut items = Vec::new();
                    data_items(&mut items, d);
                    fmt::safe_text(out, &items);
                } else {
                    data_items(out, d);
                }
            }
            Token::Opaque(b) => {
                self.label(out, t, "opaque");
                self.d(out);
                uint(out, b.len() as u64);
                self.d(out);
                if !b.is_empty() {
                    fmt::hex_bytes(out, b);
                }
            }
            Token::Seq(n) => {
                self.label(out, t, "sequence");
                self.d(out);
                uint(out, *n as u64);
            }
            Token::Privset(p) => {
                self.label(out, t, "privilege");
                self.d(out);
                self.text_bytes(out, p.set_type.raw());
                self.d(out);
                self.text_bytes(out, p.privs.raw());
            }
            Token::Upriv(u) => {
                self.label(out, t, "use of privilege");
                self.d(out);
                out.extend_from_slice(upriv_status(u.success));
                self.d(out);
                self.text_bytes(out, u.privilege.raw());
            }
            Token::NewGroups(g) => {
                self.label(out, t, "group");
                for gid in g.iter() {
                    self.d(out);
                    self.id(out, Id::Group(gid));
                }
            }
            Token::Rights(r) => {
                self.label(out, t, "rights");
                for w in r.words() {
                    self.d(out);
                    out.extend_from_slice(format!("{w:#018x}").as_bytes());
                }
            }
            Token::Identity(i) => {
                // As Apple's praudit prints it.
                self.label(out, t, "identity");
                self.d(out);
                uint(out, i.signer_type as u64);
                self.d(out);
                self.text_bytes(out, i.signing_id.raw());
                self.d(out);
                out.extend_from_slice(completeness(i.signing_id_truncated));
                self.d(out);
                self.text_bytes(out, i.team_id.raw());
                self.d(out);
                out.extend_from_slice(completeness(i.team_id_truncated));
                self.d(out);
                fmt::hex_bytes(out, i.cdhash);
            }
            Token::Unknown { bytes, .. } => {
                self.label(out, t, "unknown");
                self.d(out);
                fmt::hex_bytes(out, bytes);
            }
            _ => {}
        }
    }

    /// The XML form of one of these tokens.
    pub(in crate::output::praudit) fn xml_misc(&mut self, out: &mut Vec<u8>, t: &Token) {
        match t {
            Token::Data(d) => {
                out.extend_from_slice(b"<arbitrary ");
                let Some(how) = how_name(d.how_to_print) else {
                    out.extend_from_slice(b"/>");
                    return;
                };
                self.attr_text(out, "print", how.as_bytes());
                let size = bsm_format::token::Data::unit_size(d.unit_type).unwrap_or(1);
                self.attr_uint(out, "type", size as u64);
                self.attr_uint(out, "count", d.count as u64);
                out.push(b'>');
                let mut items = Vec::new();
                data_items(&mut items, d);
                fmt::xml_text(out, &items, XmlPlace::Content);
                out.extend_from_slice(b"</arbitrary>");
            }
            Token::Opaque(b) => {
                out.extend_from_slice(b"<opaque>");
                if !b.is_empty() {
                    fmt::hex_bytes(out, b);
                }
                out.extend_from_slice(b"</opaque>");
            }
            Token::Seq(n) => {
                out.extend_from_slice(b"<sequence ");
                self.attr_uint(out, "seq-num", *n as u64);
                out.extend_from_slice(b"/>");
            }
            Token::Privset(p) => {
                out.extend_from_slice(b"<privilege ");
                self.attr_text(out, "type", p.set_type.raw());
                self.attr_text(out, "priv", p.privs.raw());
                out.extend_from_slice(b"/>");
            }
            Token::Upriv(u) => {
                out.extend_from_slice(b"<use_of_privilege ");
                self.attr_text(out, "status", upriv_status(u.success));
                self.attr_text(out, "name", u.privilege.raw());
                out.extend_from_slice(b"/>");
            }
            Token::NewGroups(g) => {
                out.extend_from_slice(b"<group>");
                for gid in g.iter() {
                    let mut v = Vec::new();
                    self.id(&mut v, Id::Group(gid));
                    self.element(out, "gid", &v);
                }
                out.extend_from_slice(b"</group>");
            }
            Token::Rights(r) => {
                out.extend_from_slice(b"<rights>");
                for w in r.words() {
                    out.extend_from_slice(b"<word>");
                    out.extend_from_slice(format!("{w:#018x}").as_bytes());
                    out.extend_from_slice(b"</word>");
                }
                out.extend_from_slice(b"</rights>");
            }
            Token::Identity(i) => {
                // As Apple's praudit prints it.
                out.extend_from_slice(b"<identity ");
                self.attr_uint(out, "signer-type", i.signer_type as u64);
                self.attr_text(out, "signing-id", i.signing_id.raw());
                self.attr_text(out, "signing-id-truncated", yes_no(i.signing_id_truncated));
                self.attr_text(out, "team-id", i.team_id.raw());
                self.attr_text(out, "team-id-truncated", yes_no(i.team_id_truncated));
                self.attr(out, "cdhash", |_, o| fmt::hex_bytes(o, i.cdhash));
                out.extend_from_slice(b"/>");
            }
            _ => {}
        }
    }
}

fn how_name(how: u8) -> Option<&'static str> {
    Some(match how {
        0 => "binary",
        1 => "octal",
        2 => "decimal",
        3 => "hex",
        4 => "string",
        _ => return None,
    })
}

fn unit_name(unit: u8) -> &'static str {
    match unit {
        0 => "byte",
        1 => "short",
        2 => "int",
        3 => "int64",
        _ => "unknown",
    }
}

/// The items of a data token. They are in the producer's byte order, little-endian on every
/// current Mac and FreeBSD machine (FORMAT.md §1.2), and praudit reads them in its host's order.
fn data_items(out: &mut Vec<u8>, d: &bsm_format::token::Data) {
    let size = bsm_format::token::Data::unit_size(d.unit_type).unwrap_or(1);
    for item in d.items.chunks_exact(size) {
        let mut b = [0u8; 8];
        b[..size].copy_from_slice(item);
        let v = u64::from_le_bytes(b);
        match d.how_to_print {
            // binary and string print the raw bytes of the item's low byte.
            0 => {
                out.push(b' ');
                out.push(v as u8);
            }
            4 => out.push(v as u8),
            1 => {
                out.push(b' ');
                fmt::octal(out, v);
            }
            2 => {
                out.push(b' ');
                match size {
                    4 => fmt::int(out, v as u32 as i32 as i64),
                    8 => fmt::int(out, v as i64),
                    _ => uint(out, v),
                }
            }
            _ => {
                out.push(b' ');
                fmt::hex(out, v);
            }
        }
    }
}

fn upriv_status(success: u8) -> &'static [u8] {
    if success != 0 {
        b"successful use of priv"
    } else {
        b"failed use of priv"
    }
}

fn completeness(truncated: u8) -> &'static [u8] {
    if truncated != 0 {
        b"truncated"
    } else {
        b"complete"
    }
}

fn yes_no(truncated: u8) -> &'static [u8] {
    if truncated != 0 {
        b"yes"
    } else {
        b"no"
    }
}
