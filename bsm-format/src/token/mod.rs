//! The `Token` enum: one arm per BSM token type, each borrowing from the input.
//!
//! Each token family lives in its own module with its layout, decoder and encoder.

pub mod arg;
pub mod attr;
mod ctx;
pub mod fields;
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
use crate::types::{Address, Text};

pub use arg::{Arg, ArgUuid};
pub use attr::Attr;
pub(crate) use ctx::{chain_is_clean, Ctx};
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
    /// trailer: closes every record.
    Trailer(Trailer),
    /// file: between records, naming the previous or next trail file.
    File(File<'a>),
    /// arbitrary data (data token).
    Data(Data<'a>),
    /// An IPC object.
    Ipc(Ipc),
    /// A path.
    Path(Text<'a>),
    /// The acting process (subject32, subject64 and their _ex variants).
    Subject(Subject),
    /// A target process (process32, process64 and their _ex variants).
    Process(Subject),
    /// return32, return64.
    Return(Return),
    /// Free text (logins, userland events).
    Text(Text<'a>),
    /// Opaque bytes.
    Opaque(&'a [u8]),
    /// in_addr: an IPv4 address.
    InAddr([u8; 4]),
    /// in_addr_ex: an IPv4 or IPv6 address.
    InAddrEx(Address),
    /// An IPv4 header.
    Ip(Ip),
    /// An IP port (network byte order, as written).
    Iport(u16),
    /// arg32, arg64.
    Arg(Arg<'a>),
    /// FreeBSD's old socket token.
    Socket(Socket),
    /// A sequence number (the `seq` policy).
    Seq(u32),
    /// Owner and permissions of an IPC object.
    IpcPerm(IpcPerm),
    /// A privilege set.
    Privset(Privset<'a>),
    /// The use of a privilege.
    Upriv(Upriv<'a>),
    /// The supplementary groups.
    NewGroups(NewGroups<'a>),
    /// exec_args: the arguments of an exec (`argv` policy).
    ExecArgs(StringList<'a>),
    /// exec_env: the environment of an exec (`arge` policy).
    ExecEnv(StringList<'a>),
    /// attr32, attr64.
    Attr(Attr),
    /// A process's exit status.
    Exit(Exit),
    /// A Solaris zone name.
    Zonename(Text<'a>),
    /// socket_ex: domain, type and both endpoints.
    SocketEx(SocketEx),
    /// sockinet32 (IPv4) and sockinet128 (IPv6).
    SockInet(SockInet),
    /// A UNIX-domain socket address.
    SockUnix(SockUnix<'a>),
    /// FreeBSD capability rights.
    Rights(Rights<'a>),
    /// OpenBSM's arg_uuid.
    ArgUuid(ArgUuid<'a>),
    /// OpenBSM's return_uuid.
    ReturnUuid(ReturnUuid<'a>),
    /// Apple's code-signing identity.
    Identity(Identity<'a>),
    /// Apple's Kerberos principal (strings).
    Krb5Principal(StringList<'a>),
    /// Apple's certificate hash (strings).
    CertHash(StringList<'a>),
    /// A token whose layout is unknown: its bytes run to the record's trailer.
    Unknown {
        /// The token id.
        id: TokenId,
        /// Its bytes after the id, up to the record's trailer.
        bytes: &'a [u8],
    },
}

impl<'a> Token<'a> {
    /// The token id this token is (or would be) written with.
    pub fn id(&self) -> TokenId {
        match self {
            Token::Header(h) => h.kind.id(),
            Token::Trailer(_) => TokenId::TRAILER,
            Token::File(_) => TokenId::FILE,
            Token::Data(_) => TokenId::DATA,
            Token::Ipc(_) => TokenId::IPC,
            Token::Path(_) => TokenId::PATH,
            Token::Subject(s) => s.token_id(false),
            Token::Process(s) => s.token_id(true),
            Token::Return(r) => match r.width {
                Width::W32 => TokenId::RETURN32,
                Width::W64 => TokenId::RETURN64,
            },
            Token::Text(_) => TokenId::TEXT,
            Token::Opaque(_) => TokenId::OPAQUE,
            Token::InAddr(_) => TokenId::IN_ADDR,
            Token::InAddrEx(_) => TokenId::IN_ADDR_EX,
            Token::Ip(_) => TokenId::IP,
            Token::Iport(_) => TokenId::IPORT,
            Token::Arg(a) => match a.width {
                Width::W32 => TokenId::ARG32,
                Width::W64 => TokenId::ARG64,
            },
            Token::Socket(_) => TokenId::SOCKET,
            Token::Seq(_) => TokenId::SEQ,
            Token::IpcPerm(_) => TokenId::IPC_PERM,
            Token::Privset(_) => TokenId::PRIVSET,
            Token::Upriv(_) => TokenId::UPRIV,
            Token::NewGroups(_) => TokenId::NEWGROUPS,
            Token::ExecArgs(_) => TokenId::EXEC_ARGS,
            Token::ExecEnv(_) => TokenId::EXEC_ENV,
            Token::Attr(a) => match a.width {
                Width::W32 => TokenId::ATTR32,
                Width::W64 => TokenId::ATTR64,
            },
            Token::Exit(_) => TokenId::EXIT,
            Token::Zonename(_) => TokenId::ZONENAME,
            Token::SocketEx(_) => TokenId::SOCKET_EX,
            Token::SockInet(s) => match s.addr {
                Address::V4(_) => TokenId::SOCKINET32,
                Address::V6(_) => TokenId::SOCKINET128,
            },
            Token::SockUnix(_) => TokenId::SOCKUNIX,
            Token::Rights(_) => TokenId::RIGHTS,
            Token::ArgUuid(_) => TokenId::ARG_UUID,
            Token::ReturnUuid(_) => TokenId::RETURN_UUID,
            Token::Identity(_) => TokenId::IDENTITY,
            Token::Krb5Principal(_) => TokenId::KRB5_PRINCIPAL,
            Token::CertHash(_) => TokenId::CERT_HASH,
            Token::Unknown { id, .. } => *id,
        }
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
                out.push(TokenId::OPAQUE.0);
                crate::wire::counted(out, b);
            }
            Token::InAddr(a) => {
                out.push(TokenId::IN_ADDR.0);
                out.extend_from_slice(a);
            }
            Token::InAddrEx(a) => net::encode_in_addr_ex(a, out),
            Token::Ip(ip) => {
                out.push(TokenId::IP.0);
                out.extend_from_slice(&ip.0);
            }
            Token::Iport(p) => {
                out.push(TokenId::IPORT.0);
                crate::wire::u16(out, *p);
            }
            Token::Arg(a) => a.encode(out),
            Token::Socket(s) => s.encode(out),
            Token::Seq(n) => {
                out.push(TokenId::SEQ.0);
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
        Ok(match TokenId(id) {
            TokenId::HEADER32 | TokenId::HEADER32_EX | TokenId::HEADER64 | TokenId::HEADER64_EX => {
                // Cannot be None: the arm matches exactly the header ids.
                let kind = HeaderKind::from_id(id).unwrap_or(HeaderKind::Header32);
                Token::Header(Header::decode(c, kind)?)
            }
            TokenId::TRAILER => Token::Trailer(Trailer::decode(c)?),
            TokenId::FILE => Token::File(File::decode(c)?),
            TokenId::DATA => Token::Data(Data::decode(c)?),
            TokenId::IPC => Token::Ipc(Ipc::decode(c)?),
            TokenId::PATH => Token::Path(Text(c.counted("path")?)),
            TokenId::SUBJECT32 => Token::Subject(Subject::decode(c, Width::W32, false)?),
            TokenId::PROCESS32 => Token::Process(Subject::decode(c, Width::W32, false)?),
            TokenId::SUBJECT64 => Token::Subject(Subject::decode(c, Width::W64, false)?),
            TokenId::PROCESS64 => Token::Process(Subject::decode(c, Width::W64, false)?),
            TokenId::SUBJECT32_EX => Token::Subject(Subject::decode(c, Width::W32, true)?),
            TokenId::PROCESS32_EX => Token::Process(Subject::decode(c, Width::W32, true)?),
            TokenId::SUBJECT64_EX => Token::Subject(Subject::decode(c, Width::W64, true)?),
            TokenId::PROCESS64_EX => Token::Process(Subject::decode(c, Width::W64, true)?),
            TokenId::RETURN32 => Token::Return(Return::decode(c, Width::W32)?),
            TokenId::RETURN64 => Token::Return(Return::decode(c, Width::W64)?),
            TokenId::TEXT => Token::Text(Text(c.counted("text")?)),
            TokenId::OPAQUE => Token::Opaque(c.counted("opaque")?),
            TokenId::IN_ADDR => Token::InAddr(c.array("in_addr")?),
            TokenId::IN_ADDR_EX => Token::InAddrEx(net::decode_in_addr_ex(c)?),
            TokenId::IP => Token::Ip(Ip(c.array("ip")?)),
            TokenId::IPORT => Token::Iport(c.u16("iport")?),
            TokenId::ARG32 => Token::Arg(Arg::decode(c, Width::W32)?),
            TokenId::ARG64 => Token::Arg(Arg::decode(c, Width::W64)?),
            TokenId::SOCKET => Token::Socket(Socket::decode(c)?),
            TokenId::SEQ => Token::Seq(c.u32("seq")?),
            TokenId::IPC_PERM => Token::IpcPerm(IpcPerm::decode(c)?),
            TokenId::PRIVSET => Token::Privset(Privset::decode(c)?),
            TokenId::UPRIV => Token::Upriv(Upriv::decode(c)?),
            TokenId::NEWGROUPS => Token::NewGroups(NewGroups::decode(c)?),
            TokenId::EXEC_ARGS => {
                Token::ExecArgs(StringList::decode(c, "exec_args.count", ctx, depth)?)
            }
            TokenId::EXEC_ENV => {
                Token::ExecEnv(StringList::decode(c, "exec_env.count", ctx, depth)?)
            }
            TokenId::KRB5_PRINCIPAL => {
                Token::Krb5Principal(StringList::decode(c, "krb5_principal.count", ctx, depth)?)
            }
            TokenId::CERT_HASH => {
                Token::CertHash(StringList::decode(c, "cert_hash.count", ctx, depth)?)
            }
            TokenId::ATTR32 => Token::Attr(Attr::decode(c, Width::W32)?),
            TokenId::ATTR64 => Token::Attr(Attr::decode(c, Width::W64)?),
            TokenId::EXIT => Token::Exit(Exit::decode(c)?),
            TokenId::ZONENAME => Token::Zonename(Text(c.counted("zonename")?)),
            TokenId::SOCKET_EX => Token::SocketEx(SocketEx::decode(c)?),
            TokenId::SOCKINET32 => Token::SockInet(SockInet::decode(c, false)?),
            TokenId::SOCKINET128 => Token::SockInet(SockInet::decode(c, true)?),
            TokenId::SOCKUNIX => Token::SockUnix(SockUnix::decode(c)?),
            TokenId::RIGHTS => Token::Rights(Rights::decode(c)?),
            TokenId::ARG_UUID => Token::ArgUuid(ArgUuid::decode(c)?),
            TokenId::RETURN_UUID => Token::ReturnUuid(ReturnUuid::decode(c)?),
            TokenId::IDENTITY => Token::Identity(Identity::decode(c)?),
            TokenId::INVALID => return Err(Error::new(at, ErrorKind::InvalidToken)),
            other => {
                // Unknown layout: everything up to the trailer belongs to it.
                let end = if ctx.unknown_end > c.pos() {
                    ctx.unknown_end
                } else {
                    c.pos() + c.remaining()
                };
                let n = end - c.pos();
                Token::Unknown {
                    id: other,
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

/// Serializes a token as one object: `{"type": "<token name>", ...fields}`, the fields as
/// [`fields`] defines them (the same as [`crate::json::token`] writes).
impl Serialize for Token<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use fields::{Field, Value, Visitor};
        use serde::ser::SerializeMap;

        enum Item<'t> {
            One(Value<'t>),
            Many(Vec<Value<'t>>),
        }
        #[derive(Default)]
        struct Collect<'t> {
            ty: String,
            fields: Vec<(Field, Item<'t>)>,
        }
        impl<'t> Visitor<'t> for Collect<'t> {
            fn token_type(&mut self, name: &str) {
                self.ty = name.to_string();
            }
            fn value(&mut self, field: Field, v: Value<'t>) {
                self.fields.push((field, Item::One(v)));
            }
            fn list(&mut self, field: Field, items: impl Iterator<Item = Value<'t>>) {
                self.fields.push((field, Item::Many(items.collect())));
            }
        }
        struct V<'x, 't>(&'x Value<'t>);
        impl Serialize for V<'_, '_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self.0 {
                    Value::Uint(n) => s.serialize_u64(*n),
                    Value::Bool(b) => s.serialize_bool(*b),
                    Value::Str(t) => s.serialize_str(t),
                    Value::Bytes(b) => crate::types::serialize_bytes_lossless(b, s),
                    Value::Addr(a) => a.serialize(s),
                    Value::Hex(b) => s.collect_str(&crate::types::Hex(b)),
                    Value::Uuid(u) => s.collect_str(&crate::types::Uuid(u)),
                    Value::Word(w) => s.collect_str(&format_args!("{w:#018x}")),
                }
            }
        }
        struct I<'x, 't>(&'x Item<'t>);
        impl Serialize for I<'_, '_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self.0 {
                    Item::One(v) => V(v).serialize(s),
                    Item::Many(vs) => s.collect_seq(vs.iter().map(V)),
                }
            }
        }
        /// The fields of one nested object.
        struct Nested<'x, 't>(&'x [(Field, Item<'t>)]);
        impl Serialize for Nested<'_, '_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(self.0.len()))?;
                for (f, v) in self.0 {
                    m.serialize_entry(f.name(), &I(v))?;
                }
                m.end()
            }
        }
        let mut c = Collect::default();
        self.visit(&mut c);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("type", &c.ty)?;
        let mut rest = &c.fields[..];
        while let Some((f, v)) = rest.first() {
            match f.parent() {
                None => {
                    m.serialize_entry(f.name(), &I(v))?;
                    rest = &rest[1..];
                }
                Some(p) => {
                    let n = rest
                        .iter()
                        .take_while(|(g, _)| g.parent() == Some(p))
                        .count();
                    m.serialize_entry(p, &Nested(&rest[..n]))?;
                    rest = &rest[n..];
                }
            }
        }
        m.end()
    }
}
