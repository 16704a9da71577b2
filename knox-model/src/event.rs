//! What one record says: its act, subject, objects, outcome and time, read once from its
//! tokens.
//!
//! An [`Event`] keeps the record's bytes (borrowed, or a shared [`bytes::Bytes`] handle that
//! can cross threads) and, for the variable-length facts (paths, arguments, texts, socket
//! paths), only where they are in those bytes: reading a record allocates nothing.

use bsm_format::token::{Attr, Exit, HeaderKind, Return, Subject};
use bsm_format::{Address, BsmErrno, Error, EventType, Modifier, Record, RecordKind, Time, Token};
use bytes::Bytes;

use crate::act::{Act, Acts, NetOp};

/// Most path tokens kept per record (a rename has four: two user paths, two kernel paths).
pub const MAX_PATHS: usize = 4;
/// Most arg tokens kept per record.
pub const MAX_ARGS: usize = 8;

/// Where a byte string is in the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Span {
    start: u32,
    len: u32,
}

impl Span {
    /// The span of `part`, a slice of `whole`.
    fn of(whole: &[u8], part: &[u8]) -> Span {
        let start = (part.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
        Span {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            len: u32::try_from(part.len()).unwrap_or(0),
        }
    }

    fn get<'a>(&self, whole: &'a [u8]) -> &'a [u8] {
        let start = self.start as usize;
        whole
            .get(start..start.saturating_add(self.len as usize))
            .unwrap_or_default()
    }
}

/// A list of NUL-terminated strings (exec_args, exec_env) in the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ListSpan {
    raw: Span,
    count: u32,
    present: u32,
}

/// An address as a socket token wrote it, before it is read back from the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AddrSpan {
    Inet(Address, u16),
    Unix(Span),
}

/// One end of a network conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint<'a> {
    /// An IPv4 or IPv6 address and port.
    Inet {
        /// The address.
        addr: Address,
        /// The port.
        port: u16,
    },
    /// A UNIX socket's path.
    Unix(&'a [u8]),
}

impl std::fmt::Display for Endpoint<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Inet {
                addr: a @ Address::V4(_),
                port,
            } => write!(f, "{a}:{port}"),
            Endpoint::Inet {
                addr: a @ Address::V6(_),
                port,
            } => write!(f, "[{a}]:{port}"),
            Endpoint::Unix(p) => f.write_str(&String::from_utf8_lossy(p)),
        }
    }
}

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The call succeeded.
    Success,
    /// The call failed with this BSM errno.
    Failure(BsmErrno),
    /// The record has no return token (and its header does not mark a failure).
    Unknown,
}

/// A failed call, as far as its record says: the BSM errno and the return value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Failure {
    /// The BSM errno (0 when only the header's modifier says the call failed).
    pub errno: BsmErrno,
    /// The return token's value, signed as the call returned it.
    pub return_value: Option<i64>,
}

impl Failure {
    /// The errno's name (`ENOENT`), when BSM defines one.
    pub fn name(&self) -> Option<&'static str> {
        self.errno.name()
    }

    /// praudit's text for the errno: BSD's description, or `Unknown error: N` for numbers BSM
    /// does not describe (Apple's userland records use 255 with their own return values).
    pub fn text(&self) -> std::borrow::Cow<'static, str> {
        match self.errno.description().filter(|d| !d.is_empty()) {
            Some(d) => d.into(),
            None => format!("Unknown error: {}", self.errno.0).into(),
        }
    }

    /// One line saying what is known: the name and text (`ENOENT (No such file or
    /// directory)`), or for an errno BSM does not name its number, text and the return value,
    /// which then carries the meaning (`errno 255 (Unknown error: 255), returned 5000`).
    pub fn describe(&self) -> String {
        match (self.name(), self.return_value) {
            (Some(n), _) => format!("{n} ({})", self.text()),
            (None, Some(r)) => format!("errno {} ({}), returned {r}", self.errno.0, self.text()),
            (None, None) => format!("errno {} ({})", self.errno.0, self.text()),
        }
    }
}

/// The facts of one record. `B` holds the record's bytes: `&[u8]` when borrowed from the input,
/// [`Bytes`] when the event must outlive it (another thread, a later stage).
#[derive(Debug, Clone)]
pub struct Event<B = Bytes> {
    bytes: B,
    offset: u64,
    /// The header's time.
    pub time: Time,
    /// The header's event number.
    pub event: EventType,
    /// The header's event modifier.
    pub modifier: Modifier,
    /// Which header token the record has.
    pub header: HeaderKind,
    /// What the event did, from the event table.
    pub act: Act,
    /// The acting process (subject token).
    pub subject: Option<Subject>,
    /// A target process (the first process token), e.g. of a kill.
    pub target: Option<Subject>,
    /// The return token: errno and return value.
    pub result: Option<Return>,
    /// The exit token of an exit record.
    pub exit: Option<Exit>,
    /// The first attr token: mode, owner and inode of the (first) file.
    pub attr: Option<Attr>,
    /// The seq token (a sequence number per record, audit policy `seq`).
    pub seq: Option<u32>,
    /// The first problem decoding the record's tokens; the facts before it are kept.
    pub error: Option<Error>,
    /// How many tokens were decoded.
    pub tokens: u32,
    paths: [Span; MAX_PATHS],
    npaths: u8,
    args: [(u8, u64); MAX_ARGS],
    nargs: u8,
    argv: Option<ListSpan>,
    envp: Option<ListSpan>,
    text: Option<Span>,
    zone: Option<Span>,
    /// The socket address token (sockinet32/128, sockunix): the address the call was given
    /// or returned.
    address: Option<AddrSpan>,
    /// Local and remote ends from a socket or socket_ex token.
    socket: Option<(Address, u16, Address, u16)>,
}

impl<'a> Event<&'a [u8]> {
    /// Reads the facts of a record. `Ok(None)` for a trail's `file` token (not an event);
    /// `Err` when the header itself cannot be read (then the record says nothing usable). A
    /// problem further in the record is kept in [`Event::error`], with the facts before it.
    pub fn parse(rec: &Record<'a>, acts: &Acts) -> Result<Option<Event<&'a [u8]>>, Error> {
        let RecordKind::Header(header) = rec.kind() else {
            return Ok(None);
        };
        let bytes = rec.bytes();
        let mut tokens = rec.tokens();
        let h = match tokens.next() {
            Some(Ok(Token::Header(h))) => h,
            Some(Err(e)) => return Err(e),
            // Framing only hands over records that start with a header id, whose first token
            // is a header or an error; decoding the header alone says the same.
            _ => match rec.header()? {
                Some(h) => h,
                None => return Ok(None),
            },
        };
        let mut ev = Event {
            bytes,
            offset: rec.offset(),
            time: h.time,
            event: h.event,
            modifier: h.modifier,
            header,
            act: acts.of(h.event.0),
            subject: None,
            target: None,
            result: None,
            exit: None,
            attr: None,
            seq: None,
            error: None,
            tokens: 1,
            paths: [Span::default(); MAX_PATHS],
            npaths: 0,
            args: [(0, 0); MAX_ARGS],
            nargs: 0,
            argv: None,
            envp: None,
            text: None,
            zone: None,
            address: None,
            socket: None,
        };
        for t in tokens {
            let t = match t {
                Ok(t) => t,
                Err(e) => {
                    ev.error = Some(e);
                    break;
                }
            };
            ev.tokens += 1;
            match t {
                Token::Subject(s) if ev.subject.is_none() => ev.subject = Some(s),
                Token::Process(s) if ev.target.is_none() => ev.target = Some(s),
                Token::Return(r) if ev.result.is_none() => ev.result = Some(r),
                Token::Exit(x) if ev.exit.is_none() => ev.exit = Some(x),
                Token::Attr(a) if ev.attr.is_none() => ev.attr = Some(a),
                Token::Seq(n) if ev.seq.is_none() => ev.seq = Some(n),
                Token::Path(p) if (ev.npaths as usize) < MAX_PATHS => {
                    ev.paths[ev.npaths as usize] = Span::of(bytes, p.bytes());
                    ev.npaths += 1;
                }
                Token::Arg(a) if (ev.nargs as usize) < MAX_ARGS => {
                    ev.args[ev.nargs as usize] = (a.argno, a.value);
                    ev.nargs += 1;
                }
                Token::ExecArgs(l) if ev.argv.is_none() => {
                    ev.argv = Some(ListSpan {
                        raw: Span::of(bytes, l.raw()),
                        count: l.count,
                        present: l.present,
                    })
                }
                Token::ExecEnv(l) if ev.envp.is_none() => {
                    ev.envp = Some(ListSpan {
                        raw: Span::of(bytes, l.raw()),
                        count: l.count,
                        present: l.present,
                    })
                }
                Token::Text(x) if ev.text.is_none() => ev.text = Some(Span::of(bytes, x.bytes())),
                Token::Zonename(z) if ev.zone.is_none() => {
                    ev.zone = Some(Span::of(bytes, z.bytes()))
                }
                Token::SockInet(s) if ev.address.is_none() => {
                    ev.address = Some(AddrSpan::Inet(s.addr, bsm_format::token::port_be(s.port)))
                }
                Token::SockUnix(s) if ev.address.is_none() => {
                    ev.address = Some(AddrSpan::Unix(Span::of(bytes, s.path)))
                }
                Token::SocketEx(s) if ev.socket.is_none() => {
                    ev.socket = Some((
                        s.local_addr,
                        bsm_format::token::port_be(s.local_port),
                        s.remote_addr,
                        bsm_format::token::port_be(s.remote_port),
                    ))
                }
                Token::Socket(s) if ev.socket.is_none() => {
                    ev.socket = Some((
                        s.local_addr,
                        bsm_format::token::port_be(s.local_port),
                        s.remote_addr,
                        bsm_format::token::port_be(s.remote_port),
                    ))
                }
                _ => {}
            }
        }
        Ok(Some(ev))
    }
}

impl<B> Event<B> {
    /// The same event holding its record's bytes in another form (for example the shared
    /// [`Bytes`] of a batch, so that the event can be sent to another thread). `f` must give
    /// the same bytes.
    pub fn with_bytes<C: AsRef<[u8]>>(self, f: impl FnOnce(B) -> C) -> Event<C> {
        Event {
            bytes: f(self.bytes),
            offset: self.offset,
            time: self.time,
            event: self.event,
            modifier: self.modifier,
            header: self.header,
            act: self.act,
            subject: self.subject,
            target: self.target,
            result: self.result,
            exit: self.exit,
            attr: self.attr,
            seq: self.seq,
            error: self.error,
            tokens: self.tokens,
            paths: self.paths,
            npaths: self.npaths,
            args: self.args,
            nargs: self.nargs,
            argv: self.argv,
            envp: self.envp,
            text: self.text,
            zone: self.zone,
            address: self.address,
            socket: self.socket,
        }
    }
}

impl Event<&[u8]> {
    /// An owned copy (the record's bytes copied once).
    pub fn to_owned_event(&self) -> Event<Bytes> {
        self.clone().with_bytes(Bytes::copy_from_slice)
    }
}

/// The strings of an exec_args or exec_env token.
#[derive(Debug, Clone, Copy)]
pub struct Strings<'a> {
    raw: &'a [u8],
    /// The count written in the token (xnu writes the real count even when it cut the strings).
    pub count: u32,
    /// How many strings are present.
    pub present: u32,
}

impl<'a> Strings<'a> {
    /// The strings, without their NULs.
    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let raw = self.raw;
        raw.split(|&c| c == 0)
            .take(raw.iter().filter(|&&c| c == 0).count())
    }

    /// The strings as written, each followed by its NUL.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }
}

impl<B: AsRef<[u8]>> Event<B> {
    /// Offset of the record in its input.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The record's bytes, header to trailer.
    pub fn bytes(&self) -> &[u8] {
        self.bytes.as_ref()
    }

    /// The record these facts were read from (to read its other tokens).
    pub fn record(&self) -> Result<Record<'_>, bsm_format::Error> {
        Record::from_bytes(self.offset, self.bytes.as_ref())
    }

    /// How the call ended: the return token's errno; without one, a failure when the header's
    /// modifier says so.
    pub fn outcome(&self) -> Outcome {
        match self.result {
            Some(r) if r.errno.is_success() => Outcome::Success,
            Some(r) => Outcome::Failure(r.errno),
            None if self.modifier.contains(Modifier::FAILURE) => Outcome::Failure(BsmErrno(0)),
            None => Outcome::Unknown,
        }
    }

    /// Whether the call failed.
    pub fn failed(&self) -> bool {
        matches!(self.outcome(), Outcome::Failure(_))
    }

    /// What is known of a failed call: its errno and return value.
    pub fn failure(&self) -> Option<Failure> {
        let errno = self.errno()?;
        Some(Failure {
            errno,
            return_value: self.result.map(|r| match r.width {
                bsm_format::token::Width::W32 => r.value as u32 as i32 as i64,
                bsm_format::token::Width::W64 => r.value as i64,
            }),
        })
    }

    /// The errno of a failed call.
    pub fn errno(&self) -> Option<BsmErrno> {
        match self.outcome() {
            Outcome::Failure(e) => Some(e),
            _ => None,
        }
    }

    /// The paths of the record, in order (at most [`MAX_PATHS`]).
    pub fn paths(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let b = self.bytes.as_ref();
        self.paths[..self.npaths as usize].iter().map(|s| s.get(b))
    }

    /// The first path.
    pub fn path(&self) -> Option<&[u8]> {
        self.paths().next()
    }

    /// The value of the first arg token with this argument number.
    pub fn arg(&self, argno: u8) -> Option<u64> {
        self.args[..self.nargs as usize]
            .iter()
            .find(|(n, _)| *n == argno)
            .map(|(_, v)| *v)
    }

    /// The arg tokens: (argument number, value), in order (at most [`MAX_ARGS`]).
    pub fn args(&self) -> &[(u8, u64)] {
        &self.args[..self.nargs as usize]
    }

    /// The arguments of an exec (exec_args token).
    pub fn argv(&self) -> Option<Strings<'_>> {
        self.argv.map(|l| self.strings(l))
    }

    /// The environment of an exec (exec_env token).
    pub fn envp(&self) -> Option<Strings<'_>> {
        self.envp.map(|l| self.strings(l))
    }

    fn strings(&self, l: ListSpan) -> Strings<'_> {
        Strings {
            raw: l.raw.get(self.bytes.as_ref()),
            count: l.count,
            present: l.present,
        }
    }

    /// The first text token (login messages, MAC labels, sudo's command).
    pub fn text(&self) -> Option<&[u8]> {
        self.text.map(|s| s.get(self.bytes.as_ref()))
    }

    /// The zone (FreeBSD jail) the process runs in.
    pub fn zone(&self) -> Option<&[u8]> {
        self.zone.map(|s| s.get(self.bytes.as_ref()))
    }

    /// The process a fork or spawn created (its pid), when the call succeeded. A pid that is
    /// the subject's own is none: a process cannot fork itself (the record is forged or
    /// damaged), and a spawn that names its caller replaced the caller's program (macOS's
    /// `POSIX_SPAWN_SETEXEC`), as an exec does.
    pub fn child(&self) -> Option<u32> {
        if !matches!(self.act, Act::Fork(_) | Act::Spawn) || self.failed() {
            return None;
        }
        let own = self.subject.map(|s| s.pid);
        self.arg(0)
            .map(|v| v as u32)
            .filter(|&c| c != 0 && Some(c) != own)
    }

    /// The process that runs the program an exec or spawn starts: the spawned child, else the
    /// subject (an exec, or a spawn that replaced its caller's program).
    pub fn runner(&self) -> Option<u32> {
        match self.act {
            Act::Spawn => self.child().or(self.subject.map(|s| s.pid)),
            _ => self.subject.map(|s| s.pid),
        }
    }

    /// The socket address token: what the call was given (connect, bind, send) or returned
    /// (accept, receive).
    pub fn address(&self) -> Option<Endpoint<'_>> {
        self.address.map(|a| match a {
            AddrSpan::Inet(addr, port) => Endpoint::Inet { addr, port },
            AddrSpan::Unix(s) => Endpoint::Unix(s.get(self.bytes.as_ref())),
        })
    }

    /// The local end: from a socket token, or the address a bind was given.
    pub fn local(&self) -> Option<Endpoint<'_>> {
        match (self.socket, self.act) {
            (Some((addr, port, ..)), _) => Some(Endpoint::Inet { addr, port }),
            (None, Act::Net(NetOp::Bind)) => self.address(),
            _ => None,
        }
    }

    /// The remote end: from a socket token, or the address of a connect, accept, send or
    /// receive.
    pub fn remote(&self) -> Option<Endpoint<'_>> {
        match (self.socket, self.act) {
            (Some((_, _, addr, port)), _) => Some(Endpoint::Inet { addr, port }),
            (None, Act::Net(NetOp::Bind)) => None,
            _ => self.address(),
        }
    }

    /// The pid a signal or trace was aimed at: the process token, else the `process` argument.
    pub fn target_pid(&self) -> Option<u32> {
        self.target
            .map(|t| t.pid)
            .or_else(|| self.arg(1).map(|v| v as u32))
    }

    /// The signal a kill sent.
    pub fn signal(&self) -> Option<u32> {
        (self.act == Act::Signal)
            .then(|| self.arg(2).map(|v| v as u32))
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bsm_format::encode::{with_nul, RecordBuilder};
    use bsm_format::tables::{EventTable, Flavor};
    use bsm_format::token::{Arg, SockInet, StringList, TerminalId, Width};
    use bsm_format::Text;

    fn subject(pid: u32) -> Token<'static> {
        Token::Subject(Subject {
            width: Width::W32,
            ex: false,
            auid: 501,
            euid: 0,
            egid: 20,
            ruid: 501,
            rgid: 20,
            pid,
            sid: 7,
            tid: TerminalId {
                port: 0,
                addr: Address::V4([0; 4]),
            },
        })
    }

    fn ret(errno: u8) -> Token<'static> {
        Token::Return(Return {
            width: Width::W32,
            errno: BsmErrno(errno),
            value: 0,
        })
    }

    #[test]
    fn a_spawn_record_gives_its_child_program_and_subject() {
        let acts = Acts::new(EventTable::embedded(Flavor::MacOs));
        let args = ["ls", "-l"];
        let path = with_nul(b"/bin/ls");
        let mut b = RecordBuilder::new(EventType(43190), Time::new(1_700_000_000, 5));
        b.push(&Token::Arg(Arg {
            width: Width::W32,
            argno: 0,
            value: 4242,
            text: Text(b"child PID\0"),
        }));
        let mut tok = Vec::new();
        StringList::encode_strings(0x3c, &args, &mut tok);
        b.push_raw(&tok);
        b.push(&Token::Path(Text(&path)));
        b.push(&subject(100));
        b.push(&ret(0));
        let bytes = b.finish();
        let rec = bsm_format::records(&bytes).next().unwrap().unwrap();
        let ev = Event::parse(&rec, &acts).unwrap().unwrap();
        assert_eq!(ev.act, Act::Spawn);
        assert_eq!(ev.child(), Some(4242));
        assert_eq!(ev.path(), Some(&b"/bin/ls"[..]));
        let argv: Vec<&[u8]> = ev.argv().unwrap().iter().collect();
        assert_eq!(argv, [&b"ls"[..], b"-l"]);
        assert_eq!(ev.subject.unwrap().pid, 100);
        assert_eq!(ev.outcome(), Outcome::Success);
        assert!(ev.error.is_none());
        // An owned copy reads the same.
        let owned = ev.to_owned_event();
        assert_eq!(owned.path(), Some(&b"/bin/ls"[..]));
        assert_eq!(owned.argv().unwrap().count, 2);
    }

    #[test]
    fn failures_addresses_and_damage_are_kept() {
        let acts = Acts::new(EventTable::embedded(Flavor::MacOs));
        let mut b = RecordBuilder::new(EventType(32), Time::new(1_700_000_000, 0));
        b.push(&Token::SockInet(SockInet {
            family: 2,
            port: 443u16.to_be_bytes(),
            addr: Address::V4([10, 0, 0, 1]),
        }));
        b.push(&subject(7));
        b.push(&ret(61));
        let mut bytes = b.finish();
        let rec = bsm_format::records(&bytes).next().unwrap().unwrap();
        let ev = Event::parse(&rec, &acts).unwrap().unwrap();
        assert_eq!(ev.act, Act::Net(NetOp::Connect));
        assert_eq!(ev.remote().unwrap().to_string(), "10.0.0.1:443");
        assert_eq!(ev.local(), None);
        assert_eq!(ev.outcome(), Outcome::Failure(BsmErrno(61)));
        // A damaged trailer: the facts stay, the error is reported.
        let n = bytes.len();
        bytes[n - 6] = 0;
        let rec = bsm_format::records(&bytes).next().unwrap().unwrap();
        let ev = Event::parse(&rec, &acts).unwrap().unwrap();
        assert!(ev.error.is_some());
        assert_eq!(ev.subject.unwrap().pid, 7);
    }
}
