//! The named fields of every token, defined once: `knox json`, the tokens' `serde` form and the
//! Arrow tokens table all walk a token through [`Token::visit`], so that a field has one name,
//! one place in its token and one representation wherever it is shown.
//!
//! A field is a [`Field`] (its name, and the object it sits in for the two nested ones: a
//! subject's `tid` and a header's or file token's `time`); a value is a [`Value`]. Visitors see
//! the token's type name first, then its fields in order.

use crate::types::{Address, Text};

use super::{Token, Width};

/// A value of a token field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    /// A number.
    Uint(u64),
    /// A flag.
    Bool(bool),
    /// Text that is always UTF-8 (a width, a header kind).
    Str(&'a str),
    /// Bytes from the trail: text when they are UTF-8 without NUL, else shown as base64.
    Bytes(&'a [u8]),
    /// An IPv4 or IPv6 address, shown as text.
    Addr(Address),
    /// Bytes shown as lowercase hex digits.
    Hex(&'a [u8]),
    /// A UUID, shown in its canonical 8-4-4-4-12 form.
    Uuid([u8; 16]),
    /// A 64-bit word, shown as `0x` and 16 hex digits (capability rights).
    Word(u64),
}

/// The kind of values a field holds, whichever token it is in (what a typed column needs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A number of at most 32 bits.
    Int,
    /// A number of 64 bits.
    Int64,
    /// A flag.
    Bool,
    /// Text.
    Text,
    /// Bytes from the trail (text, or base64 when not UTF-8).
    Bytes,
    /// A list of bytes from the trail.
    BytesList,
    /// A list of numbers.
    IntList,
    /// A list of texts.
    TextList,
}

macro_rules! fields {
    ($( $(#[$doc:meta])* $var:ident = $name:literal $(in $parent:literal)?, $kind:ident; )*) => {
        /// A token field. The order is the order of the Arrow tokens table's columns.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(missing_docs)]
        pub enum Field {
            $( $(#[$doc])* $var, )*
        }

        impl Field {
            /// Every field, in order.
            pub const ALL: &'static [Field] = &[ $( Field::$var, )* ];

            /// The field's name in its object (`port` for the terminal's port).
            pub const fn name(self) -> &'static str {
                match self { $( Field::$var => $name, )* }
            }

            /// The object the field sits in within the token (`tid`, `time`), if any.
            pub const fn parent(self) -> Option<&'static str> {
                match self { $( Field::$var => fields!(@parent $($parent)?), )* }
            }

            /// What values the field holds.
            pub fn kind(self) -> Kind {
                match self { $( Field::$var => Kind::$kind, )* }
            }
        }
    };
    (@parent $p:literal) => { Some($p) };
    (@parent) => { None };
}

fields! {
    /// header: header32, header32_ex, header64, header64_ex; ipc: the IPC type (a number).
    Kind = "kind", Text;
    /// header, trailer: the record's byte count.
    Size = "size", Int;
    Version = "version", Int;
    Event = "event", Int;
    Modifier = "modifier", Int;
    /// header_ex: the host's address, or the address type when it is not 4 or 16.
    Host = "host", Text;
    TimeSec = "sec" in "time", Int64;
    TimeMsec = "msec" in "time", Int64;
    Magic = "magic", Int;
    /// file: the previous or next trail file.
    Name = "name", Bytes;
    Path = "path", Bytes;
    Text = "text", Bytes;
    /// "32" or "64".
    Width = "width", Text;
    /// subject/process: the _ex variant (terminal address of any family).
    Ex = "ex", Bool;
    Auid = "auid", Int;
    Euid = "euid", Int;
    Egid = "egid", Int;
    Ruid = "ruid", Int;
    Rgid = "rgid", Int;
    Pid = "pid", Int;
    Sid = "sid", Int;
    TidPort = "port" in "tid", Int64;
    TidAddr = "addr" in "tid", Text;
    Errno = "errno", Int;
    Value = "value", Int64;
    Argno = "argno", Int;
    Mode = "mode", Int;
    Uid = "uid", Int;
    Gid = "gid", Int;
    Fsid = "fsid", Int;
    Nodeid = "nodeid", Int64;
    Device = "device", Int64;
    Count = "count", Int;
    Present = "present", Int;
    Strings = "strings", BytesList;
    Status = "status", Int;
    Retval = "retval", Int;
    Seq = "seq", Int;
    Family = "family", Int;
    Port = "port", Int;
    Addr = "addr", Text;
    Domain = "domain", Int;
    SocketType = "socket_type", Int;
    LocalPort = "local_port", Int;
    LocalAddr = "local_addr", Text;
    RemotePort = "remote_port", Int;
    RemoteAddr = "remote_addr", Text;
    HowToPrint = "how_to_print", Int;
    UnitType = "unit_type", Int;
    Items = "items", Text;
    Id = "id", Int;
    Hex = "hex", Text;
    VersionIhl = "version_ihl", Int;
    Tos = "tos", Int;
    Len = "len", Int;
    /// ip: the fragment offset.
    IpOffset = "offset", Int;
    Ttl = "ttl", Int;
    Protocol = "protocol", Int;
    Checksum = "checksum", Int;
    Src = "src", Text;
    Dst = "dst", Text;
    Cuid = "cuid", Int;
    Cgid = "cgid", Int;
    Key = "key", Int;
    SetType = "set_type", Bytes;
    Privs = "privs", Bytes;
    Success = "success", Int;
    Privilege = "privilege", Bytes;
    Gids = "gids", IntList;
    Zone = "zone", Bytes;
    Words = "words", TextList;
    Uuid = "uuid", Text;
    SignerType = "signer_type", Int;
    SigningId = "signing_id", Bytes;
    SigningIdTruncated = "signing_id_truncated", Int;
    TeamId = "team_id", Bytes;
    TeamIdTruncated = "team_id_truncated", Int;
    Cdhash = "cdhash", Text;
}

/// What walks the fields of a token that borrows bytes for `'t`.
pub trait Visitor<'t> {
    /// The token's type name (`path`, `subject32_ex`, `unknown_0x12`), before its fields.
    fn token_type(&mut self, name: &str);
    /// The token's id, before its fields: a visitor that can take the type from the id alone
    /// does so and returns true ([`Visitor::token_type`] is then not called).
    fn token_id(&mut self, _id: crate::ids::TokenId) -> bool {
        false
    }
    /// A field and its value.
    fn value(&mut self, field: Field, v: Value<'t>);
    /// A field holding a list.
    fn list(&mut self, field: Field, items: impl Iterator<Item = Value<'t>>);
}

fn width(w: Width) -> Value<'static> {
    Value::Str(match w {
        Width::W32 => "32",
        Width::W64 => "64",
    })
}

fn time<'t, V: Visitor<'t>>(v: &mut V, t: crate::Time) {
    v.value(Field::TimeSec, Value::Uint(t.sec));
    v.value(Field::TimeMsec, Value::Uint(t.msec));
}

fn text(t: Text<'_>) -> Value<'_> {
    Value::Bytes(t.bytes())
}

impl<'t> Token<'t> {
    /// Walks the token's fields, in the order `knox json` writes them. Inlined into each
    /// visitor, so that a visitor's methods see each field as a constant.
    #[inline(always)]
    pub fn visit<V: Visitor<'t>>(&self, v: &mut V) {
        use Field as F;
        use Value::*;
        let id = self.id();
        if !v.token_id(id) {
            v.token_type(&id.display_name());
        }
        // On a copy of the token, so that what it borrows keeps its lifetime `'t`.
        match *self {
            Token::Header(h) => {
                v.value(F::Kind, Str(h.kind.id().name().unwrap_or("header")));
                v.value(F::Size, Uint(h.size as u64));
                v.value(F::Version, Uint(h.version as u64));
                v.value(F::Event, Uint(h.event.0 as u64));
                v.value(F::Modifier, Uint(h.modifier.bits() as u64));
                match h.host {
                    Some(super::HostAddress::Ip(a)) => v.value(F::Host, Addr(a)),
                    Some(super::HostAddress::Invalid(n)) => v.value(F::Host, Uint(n as u64)),
                    None => {}
                }
                time(v, h.time);
            }
            Token::Trailer(t) => {
                v.value(F::Magic, Uint(t.magic as u64));
                v.value(F::Size, Uint(t.size as u64));
            }
            Token::File(f) => {
                time(v, f.time);
                v.value(F::Name, text(f.name));
            }
            Token::Data(d) => {
                v.value(F::HowToPrint, Uint(d.how_to_print as u64));
                v.value(F::UnitType, Uint(d.unit_type as u64));
                v.value(F::Count, Uint(d.count as u64));
                v.value(F::Items, Hex(d.items));
            }
            Token::Ipc(i) => {
                v.value(F::Kind, Uint(i.kind as u64));
                v.value(F::Id, Uint(i.id as u64));
            }
            Token::Path(t) => v.value(F::Path, text(t)),
            Token::Subject(s) | Token::Process(s) => {
                v.value(F::Width, width(s.width));
                v.value(F::Ex, Bool(s.ex));
                v.value(F::Auid, Uint(s.auid as u64));
                v.value(F::Euid, Uint(s.euid as u64));
                v.value(F::Egid, Uint(s.egid as u64));
                v.value(F::Ruid, Uint(s.ruid as u64));
                v.value(F::Rgid, Uint(s.rgid as u64));
                v.value(F::Pid, Uint(s.pid as u64));
                v.value(F::Sid, Uint(s.sid as u64));
                v.value(F::TidPort, Uint(s.tid.port));
                v.value(F::TidAddr, Addr(s.tid.addr));
            }
            Token::Return(r) => {
                v.value(F::Width, width(r.width));
                v.value(F::Errno, Uint(r.errno.0 as u64));
                v.value(F::Value, Uint(r.value));
            }
            Token::Text(t) => v.value(F::Text, text(t)),
            Token::Opaque(b) => v.value(F::Hex, Hex(b)),
            Token::InAddr(a) => v.value(F::Addr, Addr(Address::V4(a))),
            Token::InAddrEx(a) => v.value(F::Addr, Addr(a)),
            Token::Ip(ip) => {
                v.value(F::VersionIhl, Uint(ip.version_ihl() as u64));
                v.value(F::Tos, Uint(ip.tos() as u64));
                v.value(F::Len, Uint(ip.len() as u64));
                v.value(F::Id, Uint(ip.id() as u64));
                v.value(F::IpOffset, Uint(ip.offset() as u64));
                v.value(F::Ttl, Uint(ip.ttl() as u64));
                v.value(F::Protocol, Uint(ip.protocol() as u64));
                v.value(F::Checksum, Uint(ip.checksum() as u64));
                v.value(F::Src, Addr(ip.src()));
                v.value(F::Dst, Addr(ip.dst()));
            }
            Token::Iport(p) => v.value(F::Port, Uint(p as u64)),
            Token::Arg(a) => {
                v.value(F::Width, width(a.width));
                v.value(F::Argno, Uint(a.argno as u64));
                v.value(F::Value, Uint(a.value));
                v.value(F::Text, text(a.text));
            }
            Token::Socket(s) => {
                v.value(F::SocketType, Uint(s.socket_type as u64));
                v.value(F::LocalPort, Uint(super::port_be(s.local_port) as u64));
                v.value(F::LocalAddr, Addr(s.local_addr));
                v.value(F::RemotePort, Uint(super::port_be(s.remote_port) as u64));
                v.value(F::RemoteAddr, Addr(s.remote_addr));
            }
            Token::Seq(n) => v.value(F::Seq, Uint(n as u64)),
            Token::IpcPerm(p) => {
                v.value(F::Uid, Uint(p.uid as u64));
                v.value(F::Gid, Uint(p.gid as u64));
                v.value(F::Cuid, Uint(p.cuid as u64));
                v.value(F::Cgid, Uint(p.cgid as u64));
                v.value(F::Mode, Uint(p.mode as u64));
                v.value(F::Seq, Uint(p.seq as u64));
                v.value(F::Key, Uint(p.key as u64));
            }
            Token::Privset(p) => {
                v.value(F::SetType, text(p.set_type));
                v.value(F::Privs, text(p.privs));
            }
            Token::Upriv(u) => {
                v.value(F::Success, Uint(u.success as u64));
                v.value(F::Privilege, text(u.privilege));
            }
            Token::NewGroups(g) => v.list(F::Gids, g.iter().map(|x| Uint(x as u64))),
            Token::ExecArgs(l)
            | Token::ExecEnv(l)
            | Token::Krb5Principal(l)
            | Token::CertHash(l) => {
                v.value(F::Count, Uint(l.count as u64));
                v.value(F::Present, Uint(l.present as u64));
                v.list(F::Strings, l.iter().map(Bytes));
            }
            Token::Attr(a) => {
                v.value(F::Width, width(a.width));
                v.value(F::Mode, Uint(a.mode as u64));
                v.value(F::Uid, Uint(a.uid as u64));
                v.value(F::Gid, Uint(a.gid as u64));
                v.value(F::Fsid, Uint(a.fsid as u64));
                v.value(F::Nodeid, Uint(a.nodeid));
                v.value(F::Device, Uint(a.device));
            }
            Token::Exit(e) => {
                v.value(F::Status, Uint(e.status as u64));
                v.value(F::Retval, Uint(e.retval as u64));
            }
            Token::Zonename(t) => v.value(F::Zone, text(t)),
            Token::SocketEx(s) => {
                v.value(F::Domain, Uint(s.domain as u64));
                v.value(F::SocketType, Uint(s.socket_type as u64));
                v.value(F::LocalPort, Uint(super::port_be(s.local_port) as u64));
                v.value(F::LocalAddr, Addr(s.local_addr));
                v.value(F::RemotePort, Uint(super::port_be(s.remote_port) as u64));
                v.value(F::RemoteAddr, Addr(s.remote_addr));
            }
            Token::SockInet(s) => {
                v.value(F::Family, Uint(s.family as u64));
                v.value(F::Port, Uint(super::port_be(s.port) as u64));
                v.value(F::Addr, Addr(s.addr));
            }
            Token::SockUnix(s) => {
                v.value(F::Family, Uint(s.family as u64));
                v.value(F::Path, Bytes(s.path));
            }
            Token::Rights(r) => v.list(F::Words, r.words().map(Word)),
            Token::ArgUuid(a) => {
                v.value(F::Argno, Uint(a.argno as u64));
                v.value(F::Uuid, Uuid(a.uuid));
                v.value(F::Text, text(a.text));
            }
            Token::ReturnUuid(r) => {
                v.value(F::Status, Uint(r.status as u64));
                v.value(F::Uuid, Uuid(r.uuid));
                v.value(F::Text, text(r.text));
            }
            Token::Identity(i) => {
                v.value(F::SignerType, Uint(i.signer_type as u64));
                v.value(F::SigningId, text(i.signing_id));
                v.value(F::SigningIdTruncated, Uint(i.signing_id_truncated as u64));
                v.value(F::TeamId, text(i.team_id));
                v.value(F::TeamIdTruncated, Uint(i.team_id_truncated as u64));
                v.value(F::Cdhash, Hex(i.cdhash));
            }
            Token::Unknown { id, bytes } => {
                v.value(F::Id, Uint(id.0 as u64));
                v.value(F::Hex, Hex(bytes));
            }
        }
    }
}
