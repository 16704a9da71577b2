//! Network tokens: in_addr (0x2a), in_addr_ex (0x7e), ip (0x2b), iport (0x2c), socket (0x2e),
//! socket_ex (0x7f), sockinet32 (0x80), sockinet128 (0x81) and sockunix (0x82).
//!
//! Ports are kept as the two bytes written. Most producers copy them in network order, so
//! [`port_be`] reads them as big-endian; xnu's sockinet128 swaps them (FORMAT.md §1.2, Q3).

use serde::Serialize;
use zerocopy::byteorder::big_endian::U16;

use crate::cursor::Cursor;
use crate::error::{Error, ErrorKind};
use crate::ids::TokenId;
use crate::layout;
use crate::types::{serialize_bytes_lossless, Address};
use crate::wire;

/// A port's two bytes read as big-endian (network order).
pub fn port_be(p: [u8; 2]) -> u16 {
    u16::from_be_bytes(p)
}

/// Reads an address whose type field (`type_what`, found at offset `at`) said `ty`.
fn address_of_type(
    c: &mut Cursor<'_>,
    type_what: &'static str,
    what: &'static str,
    ty: u32,
    at: u64,
) -> Result<Address, Error> {
    match ty {
        4 => Ok(Address::V4(c.array(what)?)),
        16 => Ok(Address::V6(c.array(what)?)),
        value => Err(Error::new(
            at,
            ErrorKind::BadAddressType {
                what: type_what,
                value,
            },
        )),
    }
}

pub(crate) fn decode_in_addr_ex(c: &mut Cursor<'_>) -> Result<Address, Error> {
    let at = c.offset();
    let ty = c.u32("in_addr_ex.type")?;
    address_of_type(c, "in_addr_ex.type", "in_addr_ex.addr", ty, at)
}

pub(crate) fn encode_in_addr_ex(a: &Address, out: &mut Vec<u8>) {
    wire::u8(out, TokenId::IN_ADDR_EX.0);
    wire::u32(out, a.type_code());
    out.extend_from_slice(a.bytes());
}

/// A raw IPv4 header (20 bytes, network order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ip(pub [u8; 20]);

impl Ip {
    /// Version and header length.
    pub fn version_ihl(&self) -> u8 {
        self.0[0]
    }
    /// Type of service.
    pub fn tos(&self) -> u8 {
        self.0[1]
    }
    /// Total length.
    pub fn len(&self) -> u16 {
        u16::from_be_bytes([self.0[2], self.0[3]])
    }
    /// Whether the total length is 0.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Identification.
    pub fn id(&self) -> u16 {
        u16::from_be_bytes([self.0[4], self.0[5]])
    }
    /// Flags and fragment offset.
    pub fn offset(&self) -> u16 {
        u16::from_be_bytes([self.0[6], self.0[7]])
    }
    /// Time to live.
    pub fn ttl(&self) -> u8 {
        self.0[8]
    }
    /// Protocol.
    pub fn protocol(&self) -> u8 {
        self.0[9]
    }
    /// Header checksum.
    pub fn checksum(&self) -> u16 {
        u16::from_be_bytes([self.0[10], self.0[11]])
    }
    /// Source address.
    pub fn src(&self) -> Address {
        Address::V4([self.0[12], self.0[13], self.0[14], self.0[15]])
    }
    /// Destination address.
    pub fn dst(&self) -> Address {
        Address::V4([self.0[16], self.0[17], self.0[18], self.0[19]])
    }
}

impl Serialize for Ip {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Ip", 10)?;
        st.serialize_field("version_ihl", &self.version_ihl())?;
        st.serialize_field("tos", &self.tos())?;
        st.serialize_field("len", &self.len())?;
        st.serialize_field("id", &self.id())?;
        st.serialize_field("offset", &self.offset())?;
        st.serialize_field("ttl", &self.ttl())?;
        st.serialize_field("protocol", &self.protocol())?;
        st.serialize_field("checksum", &self.checksum())?;
        st.serialize_field("src", &self.src())?;
        st.serialize_field("dst", &self.dst())?;
        st.end()
    }
}

/// FreeBSD's old socket token (type, local and remote IPv4 endpoints).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Socket {
    /// Socket type (BSM numbering).
    pub socket_type: u16,
    #[serde(serialize_with = "ser_port")]
    /// Local port, as written (see [`port_be`]).
    pub local_port: [u8; 2],
    /// Local address.
    pub local_addr: Address,
    #[serde(serialize_with = "ser_port")]
    /// Remote port, as written (see [`port_be`]).
    pub remote_port: [u8; 2],
    /// Remote address.
    pub remote_addr: Address,
}

fn ser_port<S: serde::Serializer>(p: &[u8; 2], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u16(port_be(*p))
}

impl Socket {
    #[inline(always)]
    pub(crate) fn decode(c: &mut Cursor<'_>) -> Result<Socket, Error> {
        Ok(Socket {
            socket_type: c.u16("socket.type")?,
            local_port: c.array("socket.local_port")?,
            local_addr: Address::V4(c.array("socket.local_addr")?),
            remote_port: c.array("socket.remote_port")?,
            remote_addr: Address::V4(c.array("socket.remote_addr")?),
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        wire::u8(out, TokenId::SOCKET.0);
        wire::u16(out, self.socket_type);
        out.extend_from_slice(&self.local_port);
        out.extend_from_slice(&v4_bytes(&self.local_addr));
        out.extend_from_slice(&self.remote_port);
        out.extend_from_slice(&v4_bytes(&self.remote_addr));
    }
}

fn v4_bytes(a: &Address) -> [u8; 4] {
    match a {
        Address::V4(b) => *b,
        Address::V6(b) => [b[12], b[13], b[14], b[15]],
    }
}

/// A socket's domain, type and both endpoints (BSM domain and type numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SocketEx {
    /// Socket domain (BSM numbering).
    pub domain: u16,
    /// Socket type (BSM numbering).
    pub socket_type: u16,
    #[serde(serialize_with = "ser_port")]
    /// Local port, as written (see [`port_be`]).
    pub local_port: [u8; 2],
    /// Local address.
    pub local_addr: Address,
    #[serde(serialize_with = "ser_port")]
    /// Remote port, as written (see [`port_be`]).
    pub remote_port: [u8; 2],
    /// Remote address.
    pub remote_addr: Address,
}

impl SocketEx {
    #[inline(always)]
    pub(crate) fn decode(c: &mut Cursor<'_>) -> Result<SocketEx, Error> {
        let domain = c.u16("socket_ex.domain")?;
        let socket_type = c.u16("socket_ex.type")?;
        let at = c.offset();
        let ty = c.u16("socket_ex.address_type")? as u32;
        let local_port = c.array("socket_ex.local_port")?;
        let local_addr =
            address_of_type(c, "socket_ex.address_type", "socket_ex.local_addr", ty, at)?;
        let remote_port = c.array("socket_ex.remote_port")?;
        let remote_addr =
            address_of_type(c, "socket_ex.address_type", "socket_ex.remote_addr", ty, at)?;
        Ok(SocketEx {
            domain,
            socket_type,
            local_port,
            local_addr,
            remote_port,
            remote_addr,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        wire::u8(out, TokenId::SOCKET_EX.0);
        wire::u16(out, self.domain);
        wire::u16(out, self.socket_type);
        wire::u16(out, self.local_addr.type_code() as u16);
        out.extend_from_slice(&self.local_port);
        out.extend_from_slice(self.local_addr.bytes());
        out.extend_from_slice(&self.remote_port);
        // Both addresses share one type field; a mismatched remote is widened or cut to fit.
        match (self.local_addr, self.remote_addr) {
            (Address::V4(_), r) => out.extend_from_slice(&v4_bytes(&r)),
            (Address::V6(_), Address::V6(r)) => out.extend_from_slice(&r),
            (Address::V6(_), Address::V4(r)) => {
                out.extend_from_slice(&[0; 12]);
                out.extend_from_slice(&r);
            }
        }
    }
}

/// An IPv4 socket address (sockinet32) or IPv6 (sockinet128).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SockInet {
    /// The address family as written (BSM domain from xnu, the local AF value from others).
    pub family: u16,
    /// The port's two bytes as written; see [`port_be`].
    #[serde(serialize_with = "ser_port")]
    pub port: [u8; 2],
    /// The address.
    pub addr: Address,
}

impl SockInet {
    #[inline(always)]
    pub(crate) fn decode(c: &mut Cursor<'_>, v6: bool) -> Result<SockInet, Error> {
        Ok(if v6 {
            let l = c.layout::<layout::SockInet128>()?;
            let (family, port, addr) = (l.family.get(), l.port, Address::V6(l.addr));
            SockInet { family, port, addr }
        } else {
            let l = c.layout::<layout::SockInet32>()?;
            let (family, port, addr) = (l.family.get(), l.port, Address::V4(l.addr));
            SockInet { family, port, addr }
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        wire::u8(
            out,
            match self.addr {
                Address::V4(_) => TokenId::SOCKINET32.0,
                Address::V6(_) => TokenId::SOCKINET128.0,
            },
        );
        let (family, port) = (U16::new(self.family), self.port);
        match self.addr {
            Address::V4(addr) => wire::layout(out, &layout::SockInet32 { family, port, addr }),
            Address::V6(addr) => wire::layout(out, &layout::SockInet128 { family, port, addr }),
        }
    }
}

/// A UNIX-domain socket address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SockUnix<'a> {
    /// The address family as written.
    pub family: u16,
    /// The path without its terminating NUL.
    #[serde(serialize_with = "ser_bytes")]
    pub path: &'a [u8],
}

fn ser_bytes<S: serde::Serializer>(b: &&[u8], s: S) -> Result<S::Ok, S::Error> {
    serialize_bytes_lossless(b, s)
}

impl<'a> SockUnix<'a> {
    #[inline(always)]
    pub(crate) fn decode(c: &mut Cursor<'a>) -> Result<SockUnix<'a>, Error> {
        Ok(SockUnix {
            family: c.u16("sockunix.family")?,
            path: c.cstr("sockunix.path")?,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        wire::u8(out, TokenId::SOCKUNIX.0);
        wire::u16(out, self.family);
        out.extend_from_slice(self.path);
        out.push(0);
    }
}
