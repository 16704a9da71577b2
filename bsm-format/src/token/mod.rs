//! The `Token` enum: one arm per BSM token type, each borrowing from the input.
//!
//! Each token family lives in its own module with its layout, decoder and encoder.

pub mod arg;
pub mod attr;
pub mod header;
pub mod ipc;
pub mod misc;
pub mod net;
pub mod process;
pub mod result;
pub mod strings;

use serde::{Serialize, Serializer};

use crate::cursor::Cursor;
use crate::error::{Error, ErrorKind};
use crate::ids::TokenId;
use crate::record::Ctx;
use crate::types::{Address, Text};

pub use arg::{Arg, ArgUuid};
pub use attr::Attr;
pub use header::{File, Header, HeaderKind, HostAddress, Trailer, TRAILER_MAGIC, TRAILER_SIZE};
pub use ipc::{Ipc, IpcPerm};
pub use misc::{Data, Identity, NewGroups, Privset, Rights, Upriv};
pub use net::{port_be, Ip, SockInet, SockUnix, Socket, SocketEx};
pub use process::{Subject, TerminalId, Width, AUID_UNSET};
pub use result::{Exit, Return, ReturnUuid};
pub use strings::{StringIter, StringList};

/// One decoded token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Token<'a> {
    /// header32, header32_ex, header64, header64_ex.
    Header(Header),
    Trailer(Trailer),
    File(File<'a>),
    Data(Data<'a>),
    Ipc(Ipc),
    Path(Text<'a>),
    /// The acting process (subject32, subject64 and their _ex variants).
    Subject(Subject),
    /// A target process (process32, process64 and their _ex variants).
    Process(Subject),
    /// return32, return64.
    Return(Return),
    Text(Text<'a>),
    Opaque(&'a [u8]),
    InAddr([u8; 4]),
    InAddrEx(Address),
    Ip(Ip),
    Iport(u16),
    /// arg32, arg64.
    Arg(Arg<'a>),
    Socket(Socket),
    Seq(u32),
    IpcPerm(IpcPerm),
    Privset(Privset<'a>),
    Upriv(Upriv<'a>),
    NewGroups(NewGroups<'a>),
    ExecArgs(StringList<'a>),
    ExecEnv(StringList<'a>),
    /// attr32, attr64.
    Attr(Attr),
    Exit(Exit),
    Zonename(Text<'a>),
    SocketEx(SocketEx),
    /// sockinet32 (IPv4) and sockinet128 (IPv6).
    SockInet(SockInet),
    SockUnix(SockUnix<'a>),
    Rights(Rights<'a>),
    ArgUuid(ArgUuid<'a>),
    ReturnUuid(ReturnUuid<'a>),
    Identity(Identity<'a>),
    Krb5Principal(StringList<'a>),
    CertHash(StringList<'a>),
    /// A token whose layout is unknown: its bytes run to the record's trailer.
    Unknown {
        id: TokenId,
        bytes: &'a [u8],
    },
}

impl<'a> Token<'a> {
    /// The token id this token is (or would be) written with.
    pub fn id(&self) -> TokenId {
        TokenId(match self {
            Token::Header(h) => h.kind.id().0,
            Token::Trailer(_) => 0x13,
            Token::File(_) => 0x11,
            Token::Data(_) => 0x21,
            Token::Ipc(_) => 0x22,
            Token::Path(_) => 0x23,
            Token::Subject(s) => s.token_id(false),
            Token::Process(s) => s.token_id(true),
            Token::Return(r) => match r.width {
                Width::W32 => 0x27,
                Width::W64 => 0x72,
            },
            Token::Text(_) => 0x28,
            Token::Opaque(_) => 0x29,
            Token::InAddr(_) => 0x2a,
            Token::InAddrEx(_) => 0x7e,
            Token::Ip(_) => 0x2b,
            Token::Iport(_) => 0x2c,
            Token::Arg(a) => match a.width {
                Width::W32 => 0x2d,
                Width::W64 => 0x71,
            },
            Token::Socket(_) => 0x2e,
            Token::Seq(_) => 0x2f,
            Token::IpcPerm(_) => 0x32,
            Token::Privset(_) => 0x38,
            Token::Upriv(_) => 0x39,
            Token::NewGroups(_) => 0x3b,
            Token::ExecArgs(_) => 0x3c,
            Token::ExecEnv(_) => 0x3d,
            Token::Attr(a) => match a.width {
                Width::W32 => 0x3e,
                Width::W64 => 0x73,
            },
            Token::Exit(_) => 0x52,
            Token::Zonename(_) => 0x60,
            Token::SocketEx(_) => 0x7f,
            Token::SockInet(s) => match s.addr {
                Address::V4(_) => 0x80,
                Address::V6(_) => 0x81,
            },
            Token::SockUnix(_) => 0x82,
            Token::Rights(_) => 0x83,
            Token::ArgUuid(_) => 0x84,
            Token::ReturnUuid(_) => 0x85,
            Token::Identity(_) => 0xed,
            Token::Krb5Principal(_) => 0xee,
            Token::CertHash(_) => 0xef,
            Token::Unknown { id, .. } => id.0,
        })
    }

    /// Appends this token's bytes, exactly as a decoder would read them back.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Token::Header(h) => h.encode(out),
            Token::Trailer(t) => t.encode(out),
            Token::File(f) => f.encode(out),
            Token::Data(d) => d.encode(out),
            Token::Ipc(i) => i.encode(out),
            Token::Path(t) | Token::Text(t) | Token::Zonename(t) => {
                out.push(self.id().0);
                crate::wire::counted(out, t.raw());
            }
            Token::Subject(s) => s.encode(false, out),
            Token::Process(s) => s.encode(true, out),
            Token::Return(r) => r.encode(out),
            Token::Opaque(b) => {
                out.push(0x29);
                crate::wire::counted(out, b);
            }
            Token::InAddr(a) => {
                out.push(0x2a);
                out.extend_from_slice(a);
            }
            Token::InAddrEx(a) => net::encode_in_addr_ex(a, out),
            Token::Ip(ip) => {
                out.push(0x2b);
                out.extend_from_slice(&ip.0);
            }
            Token::Iport(p) => {
                out.push(0x2c);
                crate::wire::u16(out, *p);
            }
            Token::Arg(a) => a.encode(out),
            Token::Socket(s) => s.encode(out),
            Token::Seq(n) => {
                out.push(0x2f);
                crate::wire::u32(out, *n);
            }
            Token::IpcPerm(p) => p.encode(out),
            Token::Privset(p) => p.encode(out),
            Token::Upriv(u) => u.encode(out),
            Token::NewGroups(g) => g.encode(out),
            Token::ExecArgs(l)
            | Token::ExecEnv(l)
            | Token::Krb5Principal(l)
            | Token::CertHash(l) => l.encode(self.id().0, out),
            Token::Attr(a) => a.encode(out),
            Token::Exit(e) => e.encode(out),
            Token::SocketEx(s) => s.encode(out),
            Token::SockInet(s) => s.encode(out),
            Token::SockUnix(s) => s.encode(out),
            Token::Rights(r) => r.encode(out),
            Token::ArgUuid(a) => a.encode(out),
            Token::ReturnUuid(r) => r.encode(out),
            Token::Identity(i) => i.encode(out),
            Token::Unknown { id, bytes } => {
                out.push(id.0);
                out.extend_from_slice(bytes);
            }
        }
    }

    /// Decodes one token at the cursor (which is positioned on the token id).
    #[inline(always)]
    pub(crate) fn decode(c: &mut Cursor<'a>, ctx: &Ctx, depth: u32) -> Result<Token<'a>, Error> {
        let at = c.offset();
        let id = c.u8("token id")?;
        Ok(match id {
            0x14 | 0x15 | 0x74 | 0x79 => {
                // Cannot be None: the arm matches exactly the header ids.
                let kind = HeaderKind::from_id(id).unwrap_or(HeaderKind::Header32);
                Token::Header(Header::decode(c, kind)?)
            }
            0x13 => Token::Trailer(Trailer::decode(c)?),
            0x11 => Token::File(File::decode(c)?),
            0x21 => Token::Data(Data::decode(c)?),
            0x22 => Token::Ipc(Ipc::decode(c)?),
            0x23 => Token::Path(Text(c.counted("path")?)),
            0x24 => Token::Subject(Subject::decode(c, Width::W32, false)?),
            0x26 => Token::Process(Subject::decode(c, Width::W32, false)?),
            0x75 => Token::Subject(Subject::decode(c, Width::W64, false)?),
            0x77 => Token::Process(Subject::decode(c, Width::W64, false)?),
            0x7a => Token::Subject(Subject::decode(c, Width::W32, true)?),
            0x7b => Token::Process(Subject::decode(c, Width::W32, true)?),
            0x7c => Token::Subject(Subject::decode(c, Width::W64, true)?),
            0x7d => Token::Process(Subject::decode(c, Width::W64, true)?),
            0x27 => Token::Return(Return::decode(c, Width::W32)?),
            0x72 => Token::Return(Return::decode(c, Width::W64)?),
            0x28 => Token::Text(Text(c.counted("text")?)),
            0x29 => Token::Opaque(c.counted("opaque")?),
            0x2a => Token::InAddr(c.array("in_addr")?),
            0x7e => Token::InAddrEx(net::decode_in_addr_ex(c)?),
            0x2b => Token::Ip(Ip(c.array("ip")?)),
            0x2c => Token::Iport(c.u16("iport")?),
            0x2d => Token::Arg(Arg::decode(c, Width::W32)?),
            0x71 => Token::Arg(Arg::decode(c, Width::W64)?),
            0x2e => Token::Socket(Socket::decode(c)?),
            0x2f => Token::Seq(c.u32("seq")?),
            0x32 => Token::IpcPerm(IpcPerm::decode(c)?),
            0x38 => Token::Privset(Privset::decode(c)?),
            0x39 => Token::Upriv(Upriv::decode(c)?),
            0x3b => Token::NewGroups(NewGroups::decode(c)?),
            0x3c => Token::ExecArgs(StringList::decode(c, "exec_args.count", ctx, depth)?),
            0x3d => Token::ExecEnv(StringList::decode(c, "exec_env.count", ctx, depth)?),
            0xee => {
                Token::Krb5Principal(StringList::decode(c, "krb5_principal.count", ctx, depth)?)
            }
            0xef => Token::CertHash(StringList::decode(c, "cert_hash.count", ctx, depth)?),
            0x3e => Token::Attr(Attr::decode(c, Width::W32)?),
            0x73 => Token::Attr(Attr::decode(c, Width::W64)?),
            0x52 => Token::Exit(Exit::decode(c)?),
            0x60 => Token::Zonename(Text(c.counted("zonename")?)),
            0x7f => Token::SocketEx(SocketEx::decode(c)?),
            0x80 => Token::SockInet(SockInet::decode(c, false)?),
            0x81 => Token::SockInet(SockInet::decode(c, true)?),
            0x82 => Token::SockUnix(SockUnix::decode(c)?),
            0x83 => Token::Rights(Rights::decode(c)?),
            0x84 => Token::ArgUuid(ArgUuid::decode(c)?),
            0x85 => Token::ReturnUuid(ReturnUuid::decode(c)?),
            0xed => Token::Identity(Identity::decode(c)?),
            0x00 => return Err(Error::new(at, ErrorKind::InvalidToken)),
            other => {
                // Unknown layout: everything up to the trailer belongs to it.
                let end = if ctx.unknown_end > c.pos() {
                    ctx.unknown_end
                } else {
                    c.pos() + c.remaining()
                };
                let n = end - c.pos();
                Token::Unknown {
                    id: TokenId(other),
                    bytes: c.bytes(n, "unknown token")?,
                }
            }
        })
    }
}

/// Decodes one token standing alone at the start of `bytes` (not inside a record). Returns the
/// token and how many bytes it took. An unknown id takes all the bytes; a string list's count is
/// trusted as far as its strings go.
pub fn decode_one(bytes: &[u8]) -> Result<(Token<'_>, usize), Error> {
    let mut ctx = Ctx::new(bytes, 0);
    ctx.unknown_end = bytes.len();
    let mut c = Cursor::new(bytes, 0);
    let t = Token::decode(&mut c, &ctx, 1)?;
    Ok((t, c.pos()))
}

/// Serializes a token as one flat object: `{"type": "<token name>", ...fields}`.
impl Serialize for Token<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Tagged<'x, T: Serialize> {
            #[serde(rename = "type")]
            ty: &'x str,
            #[serde(flatten)]
            inner: T,
        }
        fn one<T: Serialize>(k: &'static str, v: T) -> std::collections::BTreeMap<&'static str, T> {
            let mut m = std::collections::BTreeMap::new();
            m.insert(k, v);
            m
        }
        let id = self.id();
        let name = id.display_name();
        let ty: &str = &name;
        macro_rules! tag {
            ($v:expr) => {
                Tagged { ty, inner: $v }.serialize(s)
            };
        }
        match self {
            Token::Header(h) => tag!(h),
            Token::Trailer(t) => tag!(t),
            Token::File(f) => tag!(f),
            Token::Data(d) => tag!(d),
            Token::Ipc(i) => tag!(i),
            Token::Path(t) => tag!(one("path", t)),
            Token::Subject(x) | Token::Process(x) => tag!(x),
            Token::Return(r) => tag!(r),
            Token::Text(t) => tag!(one("text", t)),
            Token::Opaque(b) => tag!(one("hex", crate::types::Hex(b).to_string())),
            Token::InAddr(a) => tag!(one("addr", Address::V4(*a))),
            Token::InAddrEx(a) => tag!(one("addr", a)),
            Token::Ip(ip) => tag!(ip),
            Token::Iport(p) => tag!(one("port", p)),
            Token::Arg(a) => tag!(a),
            Token::Socket(x) => tag!(x),
            Token::Seq(n) => tag!(one("seq", n)),
            Token::IpcPerm(p) => tag!(p),
            Token::Privset(p) => tag!(p),
            Token::Upriv(u) => tag!(u),
            Token::NewGroups(g) => tag!(one("gids", g)),
            Token::ExecArgs(l)
            | Token::ExecEnv(l)
            | Token::Krb5Principal(l)
            | Token::CertHash(l) => {
                tag!(l)
            }
            Token::Attr(a) => tag!(a),
            Token::Exit(e) => tag!(e),
            Token::Zonename(t) => tag!(one("zone", t)),
            Token::SocketEx(x) => tag!(x),
            Token::SockInet(x) => tag!(x),
            Token::SockUnix(x) => tag!(x),
            Token::Rights(r) => tag!(one("words", r)),
            Token::ArgUuid(a) => tag!(a),
            Token::ReturnUuid(r) => tag!(r),
            Token::Identity(i) => tag!(i),
            Token::Unknown { id, bytes } => {
                #[derive(Serialize)]
                struct Unknown {
                    id: u8,
                    hex: String,
                }
                tag!(Unknown {
                    id: id.0,
                    hex: crate::types::Hex(bytes).to_string(),
                })
            }
        }
    }
}
