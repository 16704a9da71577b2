//! praudit's text form of each token: a label, then fields, each preceded by the delimiter.
//! `-r` prints the token id instead of the label and numbers instead of names.

use bsm_format::token::{HostAddress, Width};
use bsm_format::{Address, Token};

use super::fmt::{self, uint};
use super::Printer;

/// Labels of the string-list tokens.
const EXEC_ARG: &str = "exec arg";
const EXEC_ENV: &str = "exec env";

/// praudit prints at most this many exec arguments or variables (it still reads them all).
pub const MAX_SHOWN_STRINGS: usize = 128;

impl Printer<'_> {
    fn label(&self, out: &mut Vec<u8>, t: &Token, label: &str) {
        if self.opts.raw {
            uint(out, t.id().0 as u64);
        } else {
            out.extend_from_slice(label.as_bytes());
        }
    }

    fn d(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.opts.delim);
    }

    fn text_bytes(&self, out: &mut Vec<u8>, b: &[u8]) {
        if self.opts.safe {
            fmt::safe_text(out, b);
        } else {
            fmt::raw_text(out, b);
        }
    }

    fn user(&self, out: &mut Vec<u8>, uid: u32) {
        if self.opts.raw {
            fmt::int(out, uid as i32 as i64);
        } else {
            self.accounts.write_user(uid, out);
        }
    }

    fn group(&self, out: &mut Vec<u8>, gid: u32) {
        if self.opts.raw {
            fmt::int(out, gid as i32 as i64);
        } else {
            self.accounts.write_group(gid, out);
        }
    }

    /// The event as praudit names it: number (-r), short name (-s) or description.
    pub(super) fn event(&self, out: &mut Vec<u8>, n: u16) {
        if !self.opts.raw {
            if let Some(e) = self.events.get(n) {
                let s = if self.opts.short {
                    &e.name
                } else {
                    &e.description
                };
                out.extend_from_slice(s.as_bytes());
                return;
            }
        }
        uint(out, n as u64);
    }

    fn errno(&self, out: &mut Vec<u8>, e: bsm_format::BsmErrno) {
        if self.opts.raw {
            uint(out, e.0 as u64);
        } else {
            fmt::errno_text(out, e);
        }
    }

    /// Appends the text form of one token (without the trailing delimiter or newline).
    pub(super) fn text_token(&mut self, out: &mut Vec<u8>, t: &Token) {
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
            Token::Ipc(i) => {
                self.label(out, t, "IPC");
                self.d(out);
                ipc_type(out, i.kind, raw);
                self.d(out);
                uint(out, i.id as u64);
            }
            Token::Path(p) => {
                self.label(out, t, "path");
                self.d(out);
                self.text_bytes(out, p.raw());
            }
            Token::Subject(s) | Token::Process(s) => {
                let label = match (matches!(t, Token::Process(_)), s.ex) {
                    (false, false) => "subject",
                    (false, true) => "subject_ex",
                    (true, false) => "process",
                    (true, true) => "process_ex",
                };
                self.label(out, t, label);
                self.d(out);
                self.user(out, s.auid);
                self.d(out);
                self.user(out, s.euid);
                self.d(out);
                self.group(out, s.egid);
                self.d(out);
                self.user(out, s.ruid);
                self.d(out);
                self.group(out, s.rgid);
                self.d(out);
                uint(out, s.pid as u64);
                self.d(out);
                uint(out, s.sid as u64);
                self.d(out);
                uint(out, s.tid.port);
                self.d(out);
                fmt::addr(out, &s.tid.addr);
            }
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
            Token::Text(x) => {
                self.label(out, t, "text");
                self.d(out);
                self.text_bytes(out, x.raw());
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
            Token::InAddr(a) => {
                self.label(out, t, "ip addr");
                self.d(out);
                fmt::addr(out, &Address::V4(*a));
            }
            Token::InAddrEx(a) => {
                self.label(out, t, "ip addr ex");
                self.d(out);
                fmt::addr(out, a);
            }
            Token::Ip(ip) => {
                self.label(out, t, "ip");
                for (i, v) in [
                    ip.version_ihl() as u64,
                    ip.tos() as u64,
                    ip.len() as u64,
                    ip.id() as u64,
                    ip.offset() as u64,
                    ip.ttl() as u64,
                    ip.protocol() as u64,
                    ip.checksum() as u64,
                ]
                .into_iter()
                .enumerate()
                {
                    self.d(out);
                    if matches!(i, 0 | 1 | 5 | 6) {
                        out.extend_from_slice(b"0x");
                        out.extend_from_slice(format!("{v:02x}").as_bytes());
                    } else {
                        uint(out, v);
                    }
                }
                self.d(out);
                fmt::addr(out, &ip.src());
                self.d(out);
                fmt::addr(out, &ip.dst());
            }
            Token::Iport(p) => {
                self.label(out, t, "ip port");
                self.d(out);
                fmt::alt_hex(out, *p as u64);
            }
            Token::Arg(a) => {
                self.label(out, t, "argument");
                self.d(out);
                uint(out, a.argno as u64);
                self.d(out);
                fmt::hex0x(out, a.value);
                self.d(out);
                self.text_bytes(out, a.text.raw());
            }
            Token::Socket(s) => {
                self.label(out, t, "socket");
                self.d(out);
                uint(out, s.socket_type as u64);
                self.d(out);
                uint(out, bsm_format::token::port_be(s.local_port) as u64);
                self.d(out);
                fmt::addr(out, &s.local_addr);
                self.d(out);
                uint(out, bsm_format::token::port_be(s.remote_port) as u64);
                self.d(out);
                fmt::addr(out, &s.remote_addr);
            }
            Token::Seq(n) => {
                self.label(out, t, "sequence");
                self.d(out);
                uint(out, *n as u64);
            }
            Token::IpcPerm(p) => {
                self.label(out, t, "IPC perm");
                self.d(out);
                self.user(out, p.uid);
                self.d(out);
                self.group(out, p.gid);
                self.d(out);
                self.user(out, p.cuid);
                self.d(out);
                self.group(out, p.cgid);
                self.d(out);
                fmt::octal(out, p.mode as u64);
                self.d(out);
                uint(out, p.seq as u64);
                self.d(out);
                uint(out, p.key as u64);
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
                    self.group(out, gid);
                }
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
            Token::Attr(a) => {
                self.label(out, t, "attribute");
                self.d(out);
                fmt::octal(out, a.mode as u64);
                self.d(out);
                self.user(out, a.uid);
                self.d(out);
                self.group(out, a.gid);
                self.d(out);
                uint(out, a.fsid as u64);
                self.d(out);
                fmt::int(out, a.nodeid as i64);
                self.d(out);
                uint(out, a.device);
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
            Token::Zonename(z) => {
                self.label(out, t, "zone");
                self.d(out);
                self.text_bytes(out, z.raw());
            }
            Token::SocketEx(s) => {
                self.label(out, t, "socket");
                self.d(out);
                fmt::alt_hex(out, s.domain as u64);
                self.d(out);
                fmt::alt_hex(out, s.socket_type as u64);
                self.d(out);
                fmt::alt_hex(out, bsm_format::token::port_be(s.local_port) as u64);
                self.d(out);
                fmt::addr(out, &s.local_addr);
                self.d(out);
                fmt::alt_hex(out, bsm_format::token::port_be(s.remote_port) as u64);
                self.d(out);
                fmt::addr(out, &s.remote_addr);
            }
            Token::SockInet(s) => {
                let label = match s.addr {
                    Address::V4(_) => "socket-inet",
                    Address::V6(_) => "socket-inet6",
                };
                self.label(out, t, label);
                self.d(out);
                uint(out, s.family as u64);
                self.d(out);
                uint(out, bsm_format::token::port_be(s.port) as u64);
                self.d(out);
                fmt::addr(out, &s.addr);
            }
            Token::SockUnix(s) => {
                self.label(out, t, "socket-unix");
                self.d(out);
                uint(out, s.family as u64);
                self.d(out);
                self.text_bytes(out, s.path);
            }
            Token::Rights(r) => {
                self.label(out, t, "rights");
                for w in r.words() {
                    self.d(out);
                    out.extend_from_slice(format!("{w:#018x}").as_bytes());
                }
            }
            Token::ArgUuid(a) => {
                self.label(out, t, "arg_uuid");
                self.d(out);
                uint(out, a.argno as u64);
                self.d(out);
                uuid(out, &a.uuid);
                self.d(out);
                self.text_bytes(out, a.text.raw());
            }
            Token::ReturnUuid(r) => {
                self.label(out, t, "ret_uuid");
                self.d(out);
                uint(out, r.status as u64);
                self.d(out);
                uuid(out, &r.uuid);
                self.d(out);
                self.text_bytes(out, r.text.raw());
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
            _ => {
                // A token type added to the decoder but not yet to the printer.
                self.label(out, t, "unknown");
            }
        }
    }

    /// ` version="11" event="..." modifier="0" [host="..."] time="..." msec="..." >`, the
    /// attributes of a record element (also praudit's -r form of header_ex).
    pub(super) fn header_attrs(&mut self, out: &mut Vec<u8>, h: &bsm_format::token::Header) {
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
}

pub(super) fn host_text(out: &mut Vec<u8>, h: &HostAddress) {
    match h {
        HostAddress::Ip(a) => fmt::addr(out, a),
        HostAddress::Invalid(_) => out.extend_from_slice(b"invalid"),
    }
}

pub(super) fn how_name(how: u8) -> Option<&'static str> {
    Some(match how {
        0 => "binary",
        1 => "octal",
        2 => "decimal",
        3 => "hex",
        4 => "string",
        _ => return None,
    })
}

pub(super) fn unit_name(unit: u8) -> &'static str {
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
pub(super) fn data_items(out: &mut Vec<u8>, d: &bsm_format::token::Data) {
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

pub(super) fn ipc_type(out: &mut Vec<u8>, kind: u8, raw: bool) {
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

pub(super) fn upriv_status(success: u8) -> &'static [u8] {
    if success != 0 {
        b"successful use of priv"
    } else {
        b"failed use of priv"
    }
}

pub(super) fn completeness(truncated: u8) -> &'static [u8] {
    if truncated != 0 {
        b"truncated"
    } else {
        b"complete"
    }
}

pub(super) fn uuid(out: &mut Vec<u8>, u: &[u8; 16]) {
    out.extend_from_slice(bsm_format::types::Uuid(u).to_string().as_bytes());
}
