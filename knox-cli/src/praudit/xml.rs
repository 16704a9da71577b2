//! praudit's XML form of each token, with its broken cases fixed so that the output is always
//! well-formed: header_ex as record attributes, `<IPC ipc-type=...>`, one `<group>` element,
//! element names for uuid and privilege tokens, and escaped text.

use bsm_format::token::Width;
use bsm_format::{Address, Token};

use super::fmt::{self, uint, XmlPlace};
use super::text::{data_items, how_name, ipc_type, upriv_status, uuid, MAX_SHOWN_STRINGS};
use super::Printer;

impl Printer<'_> {
    fn attr(&self, out: &mut Vec<u8>, name: &str, f: impl FnOnce(&Self, &mut Vec<u8>)) {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"=\"");
        f(self, out);
        out.extend_from_slice(b"\" ");
    }

    fn attr_text(&self, out: &mut Vec<u8>, name: &str, b: &[u8]) {
        self.attr(out, name, |_, o| fmt::xml_text(o, b, XmlPlace::Attribute));
    }

    fn attr_uint(&self, out: &mut Vec<u8>, name: &str, v: u64) {
        self.attr(out, name, |_, o| uint(o, v));
    }

    fn xml_user(&self, out: &mut Vec<u8>, name: &str, uid: u32) {
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

    fn xml_group(&self, out: &mut Vec<u8>, name: &str, gid: u32) {
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

    fn element(&self, out: &mut Vec<u8>, name: &str, content: &[u8]) {
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
            Token::Ipc(i) => {
                out.extend_from_slice(b"<IPC ");
                self.attr(out, "ipc-type", |_, o| ipc_type(o, i.kind, raw));
                self.attr_uint(out, "ipc-id", i.id as u64);
                out.extend_from_slice(b"/>");
            }
            Token::Path(p) => self.element(out, "path", p.raw()),
            Token::Text(x) => self.element(out, "text", x.raw()),
            Token::Subject(s) | Token::Process(s) => {
                let process = matches!(t, Token::Process(_));
                out.extend_from_slice(if process { b"<process " } else { b"<subject " });
                self.xml_user(out, "audit-uid", s.auid);
                self.xml_user(out, "uid", s.euid);
                self.xml_group(out, "gid", s.egid);
                self.xml_user(out, "ruid", s.ruid);
                self.xml_group(out, "rgid", s.rgid);
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
            Token::Return(r) => {
                out.extend_from_slice(b"<return ");
                self.attr(out, "errval", |p, o| {
                    if p.opts.raw {
                        uint(o, r.errno.0 as u64)
                    } else {
                        fmt::errno_text(o, r.errno)
                    }
                });
                self.attr(out, "retval", |_, o| match r.width {
                    Width::W32 => uint(o, r.value),
                    Width::W64 => fmt::int(o, r.value as i64),
                });
                out.extend_from_slice(b"/>");
            }
            Token::Opaque(b) => {
                out.extend_from_slice(b"<opaque>");
                if !b.is_empty() {
                    fmt::hex_bytes(out, b);
                }
                out.extend_from_slice(b"</opaque>");
            }
            Token::InAddr(a) => {
                out.extend_from_slice(b"<ip_address>");
                fmt::addr(out, &Address::V4(*a));
                out.extend_from_slice(b"</ip_address>");
            }
            Token::InAddrEx(a) => {
                out.extend_from_slice(b"<ip_address>");
                fmt::addr(out, a);
                out.extend_from_slice(b"</ip_address>");
            }
            Token::Ip(ip) => {
                out.extend_from_slice(b"<ip ");
                let hex2 =
                    |o: &mut Vec<u8>, v: u8| o.extend_from_slice(format!("0x{v:02x}").as_bytes());
                self.attr(out, "version", |_, o| hex2(o, ip.version_ihl()));
                self.attr(out, "service_type", |_, o| hex2(o, ip.tos()));
                self.attr_uint(out, "len", ip.len() as u64);
                self.attr_uint(out, "id", ip.id() as u64);
                self.attr_uint(out, "offset", ip.offset() as u64);
                self.attr(out, "time_to_live", |_, o| hex2(o, ip.ttl()));
                self.attr(out, "protocol", |_, o| hex2(o, ip.protocol()));
                self.attr_uint(out, "cksum", ip.checksum() as u64);
                self.attr(out, "src_addr", |_, o| fmt::addr(o, &ip.src()));
                self.attr(out, "dest_addr", |_, o| fmt::addr(o, &ip.dst()));
                out.extend_from_slice(b"/>");
            }
            Token::Iport(p) => {
                out.extend_from_slice(b"<ip_port>");
                fmt::alt_hex(out, *p as u64);
                out.extend_from_slice(b"</ip_port>");
            }
            Token::Arg(a) => {
                out.extend_from_slice(b"<argument ");
                self.attr_uint(out, "arg-num", a.argno as u64);
                self.attr(out, "value", |_, o| fmt::hex0x(o, a.value));
                self.attr_text(out, "desc", a.text.raw());
                out.extend_from_slice(b"/>");
            }
            Token::Socket(s) => {
                out.extend_from_slice(b"<socket ");
                self.attr_uint(out, "sock_type", s.socket_type as u64);
                self.attr_uint(
                    out,
                    "lport",
                    bsm_format::token::port_be(s.local_port) as u64,
                );
                self.attr(out, "laddr", |_, o| fmt::addr(o, &s.local_addr));
                self.attr_uint(
                    out,
                    "fport",
                    bsm_format::token::port_be(s.remote_port) as u64,
                );
                self.attr(out, "faddr", |_, o| fmt::addr(o, &s.remote_addr));
                out.extend_from_slice(b"/>");
            }
            Token::Seq(n) => {
                out.extend_from_slice(b"<sequence ");
                self.attr_uint(out, "seq-num", *n as u64);
                out.extend_from_slice(b"/>");
            }
            Token::IpcPerm(p) => {
                out.extend_from_slice(b"<IPC_perm ");
                self.xml_user(out, "uid", p.uid);
                self.xml_group(out, "gid", p.gid);
                self.xml_user(out, "creator-uid", p.cuid);
                self.xml_group(out, "creator-gid", p.cgid);
                self.attr(out, "mode", |_, o| fmt::octal(o, p.mode as u64));
                self.attr_uint(out, "seq", p.seq as u64);
                self.attr_uint(out, "key", p.key as u64);
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
                    if raw {
                        fmt::int(&mut v, gid as i32 as i64);
                    } else {
                        self.accounts.write_group(gid, &mut v);
                    }
                    self.element(out, "gid", &v);
                }
                out.extend_from_slice(b"</group>");
            }
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
            Token::Attr(a) => {
                out.extend_from_slice(b"<attribute ");
                self.attr(out, "mode", |_, o| fmt::octal(o, a.mode as u64));
                self.xml_user(out, "uid", a.uid);
                self.xml_group(out, "gid", a.gid);
                self.attr_uint(out, "fsid", a.fsid as u64);
                self.attr(out, "nodeid", |_, o| fmt::int(o, a.nodeid as i64));
                self.attr_uint(out, "device", a.device);
                out.extend_from_slice(b"/>");
            }
            Token::Exit(e) => {
                out.extend_from_slice(b"<exit ");
                self.attr(out, "errval", |_, o| {
                    o.extend_from_slice(b"Error ");
                    uint(o, e.status as u64);
                });
                self.attr_uint(out, "retval", e.retval as u64);
                out.extend_from_slice(b"/>");
            }
            Token::Zonename(z) => {
                out.extend_from_slice(b"<zone ");
                self.attr_text(out, "name", z.raw());
                out.extend_from_slice(b"/>");
            }
            Token::SocketEx(s) => {
                out.extend_from_slice(b"<socket ");
                self.attr(out, "sock_dom", |_, o| fmt::alt_hex(o, s.domain as u64));
                self.attr(out, "sock_type", |_, o| {
                    fmt::alt_hex(o, s.socket_type as u64)
                });
                self.attr(out, "lport", |_, o| {
                    fmt::alt_hex(o, bsm_format::token::port_be(s.local_port) as u64)
                });
                self.attr(out, "laddr", |_, o| fmt::addr(o, &s.local_addr));
                self.attr(out, "faddr", |_, o| fmt::addr(o, &s.remote_addr));
                self.attr(out, "fport", |_, o| {
                    fmt::alt_hex(o, bsm_format::token::port_be(s.remote_port) as u64)
                });
                out.extend_from_slice(b"/>");
            }
            Token::SockInet(s) => {
                out.extend_from_slice(match s.addr {
                    Address::V4(_) => b"<socket-inet ",
                    Address::V6(_) => b"<socket-inet6 ",
                });
                self.attr_uint(out, "type", s.family as u64);
                self.attr_uint(out, "port", bsm_format::token::port_be(s.port) as u64);
                self.attr(out, "addr", |_, o| fmt::addr(o, &s.addr));
                out.extend_from_slice(b"/>");
            }
            Token::SockUnix(s) => {
                out.extend_from_slice(b"<socket-unix ");
                self.attr_uint(out, "type", s.family as u64);
                self.attr(out, "port", |_, _| {});
                self.attr_text(out, "addr", s.path);
                out.extend_from_slice(b"/>");
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
            Token::ArgUuid(a) => {
                out.extend_from_slice(b"<arg_uuid ");
                self.attr_uint(out, "num", a.argno as u64);
                self.attr(out, "uuid", |_, o| uuid(o, &a.uuid));
                self.attr_text(out, "desc", a.text.raw());
                out.extend_from_slice(b"/>");
            }
            Token::ReturnUuid(r) => {
                out.extend_from_slice(b"<ret_uuid ");
                self.attr_uint(out, "num", r.status as u64);
                self.attr(out, "uuid", |_, o| uuid(o, &r.uuid));
                self.attr_text(out, "desc", r.text.raw());
                out.extend_from_slice(b"/>");
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
            // Unknown tokens print nothing, as in praudit.
            _ => {}
        }
    }
}

fn yes_no(truncated: u8) -> &'static [u8] {
    if truncated != 0 {
        b"yes"
    } else {
        b"no"
    }
}
