//! praudit's text and XML forms of address, IP, port and socket tokens (bsm-format's `token/net.rs`).

use bsm_format::{Address, Token};

use crate::output::praudit::fmt::{self, uint};
use crate::output::praudit::Printer;

impl Printer<'_> {
    /// The text form of one of these tokens.
    pub(in crate::output::praudit) fn text_net(&mut self, out: &mut Vec<u8>, t: &Token) {
        match t {
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
            _ => {}
        }
    }

    /// The XML form of one of these tokens.
    pub(in crate::output::praudit) fn xml_net(&mut self, out: &mut Vec<u8>, t: &Token) {
        match t {
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
            _ => {}
        }
    }
}
