//! Token ids (the first byte of every token). An open newtype: ids without a known layout still
//! round-trip as `Token::Unknown`.

use serde::Serialize;

/// The magic number of every trailer token.
pub const TRAILER_MAGIC: u16 = 0xb105;
/// Size of a trailer token: its id, the magic number and the record's size.
pub const TRAILER_SIZE: usize = 7;

/// A BSM token id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct TokenId(pub u8);

macro_rules! token_ids {
    ($( $(#[$m:meta])* $konst:ident = $val:literal, $name:literal; )*) => {
        impl TokenId {
            $(
                $(#[$m])*
                #[doc = concat!("The `", $name, "` token (", stringify!($val), ").")]
                pub const $konst: TokenId = TokenId($val);
            )*

            /// The short snake_case name used in knox's JSON and statistics, or `None` when the
            /// id has no layout known to knox.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $val => Some($name), )*
                    _ => None,
                }
            }
        }
    };
}

token_ids! {
    FILE = 0x11, "file";
    TRAILER = 0x13, "trailer";
    HEADER32 = 0x14, "header32";
    HEADER32_EX = 0x15, "header32_ex";
    DATA = 0x21, "data";
    IPC = 0x22, "ipc";
    PATH = 0x23, "path";
    SUBJECT32 = 0x24, "subject32";
    PROCESS32 = 0x26, "process32";
    RETURN32 = 0x27, "return32";
    TEXT = 0x28, "text";
    OPAQUE = 0x29, "opaque";
    IN_ADDR = 0x2a, "in_addr";
    IP = 0x2b, "ip";
    IPORT = 0x2c, "iport";
    ARG32 = 0x2d, "arg32";
    SOCKET = 0x2e, "socket";
    SEQ = 0x2f, "seq";
    IPC_PERM = 0x32, "ipc_perm";
    PRIVSET = 0x38, "privset";
    UPRIV = 0x39, "upriv";
    NEWGROUPS = 0x3b, "newgroups";
    EXEC_ARGS = 0x3c, "exec_args";
    EXEC_ENV = 0x3d, "exec_env";
    ATTR32 = 0x3e, "attr32";
    EXIT = 0x52, "exit";
    ZONENAME = 0x60, "zonename";
    ARG64 = 0x71, "arg64";
    RETURN64 = 0x72, "return64";
    ATTR64 = 0x73, "attr64";
    HEADER64 = 0x74, "header64";
    SUBJECT64 = 0x75, "subject64";
    PROCESS64 = 0x77, "process64";
    HEADER64_EX = 0x79, "header64_ex";
    SUBJECT32_EX = 0x7a, "subject32_ex";
    PROCESS32_EX = 0x7b, "process32_ex";
    SUBJECT64_EX = 0x7c, "subject64_ex";
    PROCESS64_EX = 0x7d, "process64_ex";
    IN_ADDR_EX = 0x7e, "in_addr_ex";
    SOCKET_EX = 0x7f, "socket_ex";
    SOCKINET32 = 0x80, "sockinet32";
    SOCKINET128 = 0x81, "sockinet128";
    SOCKUNIX = 0x82, "sockunix";
    /// FreeBSD capability rights (`AUT_RIGHTS`).
    RIGHTS = 0x83, "rights";
    ARG_UUID = 0x84, "arg_uuid";
    RETURN_UUID = 0x85, "return_uuid";
    /// Apple's code-signing identity of the process.
    IDENTITY = 0xed, "identity";
    /// Apple's Kerberos principal.
    KRB5_PRINCIPAL = 0xee, "krb5_principal";
    /// Apple's certificate hash.
    CERT_HASH = 0xef, "cert_hash";
}

impl TokenId {
    /// AUT_INVALID: never a real token; usually zero padding.
    pub const INVALID: TokenId = TokenId(0x00);

    /// Whether this id starts a record (one of the four header tokens).
    pub fn is_header(self) -> bool {
        matches!(
            self,
            TokenId::HEADER32 | TokenId::HEADER32_EX | TokenId::HEADER64 | TokenId::HEADER64_EX
        )
    }

    /// The name, or `unknown_0xNN` for ids without a known layout.
    pub fn display_name(self) -> std::borrow::Cow<'static, str> {
        match self.name() {
            Some(n) => n.into(),
            None => format!("unknown_{:#04x}", self.0).into(),
        }
    }
}
