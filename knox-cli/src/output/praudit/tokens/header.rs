//! praudit's text and XML forms of headers, trailers and the trail file token (bsm-format's `token/header.rs`).

use bsm_format::token::HostAddress;
use bsm_format::Token;

use crate::output::praudit::fmt::{self, uint, XmlPlace};
use crate::output::praudit::Printer;

impl Printer<'_> {
    /// ` version="11" event="..." modifier="0" [host="..."] time="..." msec="..." >`, the
    /// attributes of a record element (also praudit's -r form of header_ex).
    pub(in crate::output::praudit) fn header_attrs(
        &mut self,
        out: &mut Vec<u8>,
        h: &bsm_format::token::Header,
    ) {
        out.extend_from_slice(b"version=\"");
        uint(out, h.version as u64);
        out.extend_from_slice(b"\" event=\"");
        let start = out.len();
        self.event(out, h.event.0);
        fmt::xml_escape_tail(out, start, fmt::XmlPlace::Attribute);
        out.extend_from_slice(b"\" modifier=\"");
        uint(out, h.modifier.bits() as u64);
        if let Some(host) = &h.host {
            out.extend_from_slice(b"\" host=\"");
            host_text(out, host);
        }
        out.extend_from_slice(b"\" time=\"");
        if self.opts.raw {
            uint(out, h.time.sec & 0xffff_ffff);
            out.extend_from_slice(b"\" msec=\"");
            uint(out, h.time.msec & 0xffff_ffff);
        } else {
            self.ctime.write(out, h.time.sec);
            out.extend_from_slice(b"\" msec=\"");
            fmt::msec_text(out, h.time);
        }
        out.extend_from_slice(b"\" >");
    }

    /// The text form of one of these tokens.
    pub(in crate::output::praudit) fn text_header(&mut self, out: &mut Vec<u8>, t: &Token) {
        let raw = self.opts.raw;
        match t {
            Token::Header(h) => {
                if h.kind == bsm_format::token::HeaderKind::Header32Ex && raw {
                    // praudit's -r prints header32_ex as XML-style attributes (FORMAT.md D13).
                    uint(out, t.id().0 as u64);
                    self.header_attrs(out, h);
                    return;
                }
                self.label(
                    out,
                    t,
                    if h.kind.is_ex() {
                        "header_ex"
                    } else {
                        "header"
                    },
                );
                self.d(out);
                uint(out, h.size as u64);
                self.d(out);
                uint(out, h.version as u64);
                self.d(out);
                self.event(out, h.event.0);
                self.d(out);
                uint(out, h.modifier.bits() as u64);
                if let Some(host) = &h.host {
                    self.d(out);
                    host_text(out, host);
                }
                self.d(out);
                if raw {
                    uint(out, h.time.sec & 0xffff_ffff);
                    self.d(out);
                    uint(out, h.time.msec & 0xffff_ffff);
                } else {
                    fmt::time_text(out, &mut self.ctime, h.time, &self.opts.delim);
                }
            }
            Token::Trailer(tr) => {
                self.label(out, t, "trailer");
                self.d(out);
                uint(out, tr.size as u64);
            }
            Token::File(f) => {
                self.label(out, t, "file");
                self.d(out);
                if raw {
                    uint(out, f.time.sec);
                    self.d(out);
                    uint(out, f.time.msec);
                } else {
                    fmt::time_text(out, &mut self.ctime, f.time, &self.opts.delim);
                }
                self.d(out);
                self.text_bytes(out, f.name.raw());
            }
            _ => {}
        }
    }

    /// The XML form of one of these tokens.
    pub(in crate::output::praudit) fn xml_header(&mut self, out: &mut Vec<u8>, t: &Token) {
        let raw = self.opts.raw;
        match t {
            Token::Header(h) => {
                out.extend_from_slice(b"<record ");
                self.header_attrs(out, h);
            }
            Token::Trailer(_) => out.extend_from_slice(b"</record>"),
            Token::File(f) => {
                out.extend_from_slice(b"<file ");
                if raw {
                    self.attr_uint(out, "time", f.time.sec);
                    self.attr_uint(out, "msec", f.time.msec);
                } else {
                    out.extend_from_slice(b"time=\"");
                    self.ctime.write(out, f.time.sec);
                    out.extend_from_slice(b"\" ");
                    self.attr(out, "msec", |_, o| fmt::msec_text(o, f.time));
                }
                out.push(b'>');
                fmt::xml_text(out, f.name.raw(), XmlPlace::Content);
                out.extend_from_slice(b"</file>");
            }
            _ => {}
        }
    }
}

fn host_text(out: &mut Vec<u8>, h: &HostAddress) {
    match h {
        HostAddress::Ip(a) => fmt::addr(out, a),
        HostAddress::Invalid(_) => out.extend_from_slice(b"invalid"),
    }
}
