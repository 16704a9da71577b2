//! praudit's text and XML forms of each token, one module per token family, as bsm-format's
//! `token/` modules group them. [`super::text`] and [`super::xml`] hold what the families share
//! and send each token to its family.

mod arg;
mod attr;
mod header;
mod ipc;
mod misc;
mod net;
mod process;
mod result;
mod strings;

use bsm_format::Token;

/// The token families, as bsm-format's `token/` modules group them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
    Header,
    Process,
    Result,
    Arg,
    Attr,
    Net,
    Ipc,
    Strings,
    Misc,
}

/// The family of a token; `None` for a token type the printer does not know yet.
pub(super) fn family(t: &Token) -> Option<Family> {
    Some(match t {
        Token::Header(_) | Token::Trailer(_) | Token::File(_) => Family::Header,
        Token::Subject(_) | Token::Process(_) => Family::Process,
        Token::Return(_) | Token::Exit(_) | Token::ReturnUuid(_) => Family::Result,
        Token::Arg(_) | Token::ArgUuid(_) => Family::Arg,
        Token::Attr(_) => Family::Attr,
        Token::InAddr(_)
        | Token::InAddrEx(_)
        | Token::Ip(_)
        | Token::Iport(_)
        | Token::Socket(_)
        | Token::SocketEx(_)
        | Token::SockInet(_)
        | Token::SockUnix(_) => Family::Net,
        Token::Ipc(_) | Token::IpcPerm(_) => Family::Ipc,
        Token::Path(_)
        | Token::Text(_)
        | Token::Zonename(_)
        | Token::ExecArgs(_)
        | Token::ExecEnv(_)
        | Token::Krb5Principal(_)
        | Token::CertHash(_) => Family::Strings,
        Token::Data(_)
        | Token::Opaque(_)
        | Token::Seq(_)
        | Token::Privset(_)
        | Token::Upriv(_)
        | Token::NewGroups(_)
        | Token::Rights(_)
        | Token::Identity(_)
        | Token::Unknown { .. } => Family::Misc,
        _ => return None,
    })
}
