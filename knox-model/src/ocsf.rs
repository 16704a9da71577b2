//! What a record is in OCSF 1.8.0 terms: its class and activity (the one table behind every
//! OCSF output and `docs/ocsf-mapping.md`, generated from it by `knox export --ocsf-mapping`
//! and checked against it by a test), its status, and which of its facts fill which object.
//! The JSON Lines export and the Arrow tables both render these facts, so that they state the
//! same things, and only what the record holds.

use bsm_format::token::{Attr, Subject, AUID_UNSET};
use bsm_format::{Address, BsmErrno};

use crate::act::{Act, FileOp, ForkKind, NetOp, PrivilegeOp, SessionOp};
use crate::event::{Endpoint, Event, Failure, Outcome};

/// The OCSF version written.
pub const VERSION: &str = "1.8.0";

/// The profiles every event uses: `host` (the device and the actor).
pub const PROFILES: &[&str] = &["host"];

/// An OCSF event class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// Base Event (0): what no other class fits.
    Base,
    /// File System Activity (1001).
    FileSystem,
    /// Process Activity (1007).
    Process,
    /// Event Log Activity (1008): the audit trail itself.
    EventLog,
    /// Account Change (3001).
    AccountChange,
    /// Authentication (3002).
    Authentication,
    /// Network Activity (4001).
    Network,
}

impl Class {
    /// Every class knox writes, in the order of their uids.
    pub const ALL: [Class; 7] = [
        Class::Base,
        Class::FileSystem,
        Class::Process,
        Class::EventLog,
        Class::AccountChange,
        Class::Authentication,
        Class::Network,
    ];

    /// The class's uid (`class_uid`).
    pub fn uid(self) -> u32 {
        match self {
            Class::Base => 0,
            Class::FileSystem => 1001,
            Class::Process => 1007,
            Class::EventLog => 1008,
            Class::AccountChange => 3001,
            Class::Authentication => 3002,
            Class::Network => 4001,
        }
    }

    /// The class's caption (`class_name`).
    pub fn name(self) -> &'static str {
        match self {
            Class::Base => "Base Event",
            Class::FileSystem => "File System Activity",
            Class::Process => "Process Activity",
            Class::EventLog => "Event Log Activity",
            Class::AccountChange => "Account Change",
            Class::Authentication => "Authentication",
            Class::Network => "Network Activity",
        }
    }

    /// The schema's name of the class (`process_activity`; sic `event_log_actvity`).
    pub fn schema_name(self) -> &'static str {
        match self {
            Class::Base => "base_event",
            Class::FileSystem => "file_activity",
            Class::Process => "process_activity",
            Class::EventLog => "event_log_actvity",
            Class::AccountChange => "account_change",
            Class::Authentication => "authentication",
            Class::Network => "network_activity",
        }
    }

    /// (uid, name) of the class's category.
    pub fn category(self) -> (u32, &'static str) {
        match self {
            Class::Base => (0, "Other"),
            Class::FileSystem | Class::Process | Class::EventLog => (1, "System Activity"),
            Class::AccountChange | Class::Authentication => (3, "Identity & Access Management"),
            Class::Network => (4, "Network Activity"),
        }
    }
}

/// A class and activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapping {
    /// The event class.
    pub class: Class,
    /// The activity's id within the class (99: Other).
    pub activity_id: u32,
    /// The activity's caption.
    pub activity_name: &'static str,
}

impl Mapping {
    /// `type_uid`: the class uid times 100 plus the activity id.
    pub fn type_uid(&self) -> u64 {
        self.class.uid() as u64 * 100 + self.activity_id as u64
    }
}

const fn m(class: Class, activity_id: u32, activity_name: &'static str) -> Mapping {
    Mapping {
        class,
        activity_id,
        activity_name,
    }
}

/// Where a network act's outcome changes its activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetOutcome {
    /// The call succeeded.
    Succeeded,
    /// The connection was refused (ECONNREFUSED).
    Refused,
    /// Any other failure.
    Failed,
}

/// The class and activity of an act, before what the record holds is considered (see
/// [`fallback`]).
pub fn mapping(act: Act, net: NetOutcome) -> Mapping {
    use Class::*;
    match act {
        Act::Exec | Act::Spawn => m(Process, 1, "Launch"),
        Act::Exit => m(Process, 2, "Terminate"),
        Act::Fork(ForkKind::Fork) => m(Process, 99, "Fork"),
        Act::Fork(ForkKind::Vfork) => m(Process, 99, "Vfork"),
        Act::Fork(_) => m(Process, 99, "Fork"),
        Act::Signal => m(Process, 99, "Signal"),
        Act::Trace => m(Process, 3, "Open"),
        Act::Privilege(op) => match op {
            PrivilegeOp::SetUid => m(Process, 5, "Set User ID"),
            PrivilegeOp::SetGid => m(Process, 99, "Set Group ID"),
            PrivilegeOp::SetGroups => m(Process, 99, "Set Groups"),
            PrivilegeOp::SetAudit => m(Process, 99, "Set Audit Identity"),
            PrivilegeOp::SetLogin => m(Process, 99, "Set Login Name"),
            _ => m(Process, 99, "Privilege Change"),
        },
        Act::File(op) => match op {
            FileOp::Open(mode) if mode.create => m(FileSystem, 1, "Create"),
            FileOp::Open(_) => m(FileSystem, 14, "Open"),
            FileOp::Create | FileOp::Link => m(FileSystem, 1, "Create"),
            FileOp::Read => m(FileSystem, 2, "Read"),
            FileOp::Write => m(FileSystem, 3, "Update"),
            FileOp::Delete => m(FileSystem, 4, "Delete"),
            FileOp::Rename => m(FileSystem, 5, "Rename"),
            FileOp::SetAttributes => m(FileSystem, 6, "Set Attributes"),
            FileOp::SetSecurity => m(FileSystem, 7, "Set Security"),
            FileOp::GetAttributes => m(FileSystem, 8, "Get Attributes"),
            FileOp::Mount => m(FileSystem, 12, "Mount"),
            FileOp::Unmount => m(FileSystem, 13, "Unmount"),
            FileOp::Close => m(FileSystem, 99, "Close"),
            _ => m(FileSystem, 99, "Other"),
        },
        Act::Net(op) => match (op, net) {
            (NetOp::Connect, NetOutcome::Refused) => m(Network, 5, "Refuse"),
            (NetOp::Connect, NetOutcome::Failed) => m(Network, 4, "Fail"),
            (NetOp::Connect | NetOp::Accept, _) => m(Network, 1, "Open"),
            (NetOp::Listen, _) => m(Network, 7, "Listen"),
            (NetOp::Send | NetOp::Receive, _) => m(Network, 6, "Traffic"),
            (NetOp::Shutdown, _) => m(Network, 2, "Close"),
            (NetOp::Bind, _) => m(Network, 99, "Bind"),
            (NetOp::Socket, _) => m(Network, 99, "Socket"),
            _ => m(Network, 99, "Other"),
        },
        Act::Session(op) => match op {
            SessionOp::Login => m(Authentication, 1, "Logon"),
            SessionOp::Logout => m(Authentication, 2, "Logoff"),
            SessionOp::SwitchUser => m(Authentication, 7, "Account Switch"),
            SessionOp::PasswordChange => m(AccountChange, 3, "Password Change"),
            _ => m(Authentication, 99, "Authenticate"),
        },
        Act::Audit => m(EventLog, 99, "Audit Control"),
        _ => m(Base, 99, "Other"),
    }
}

/// What a record must hold for its class: a class whose required objects the record cannot
/// fill becomes a Base Event, so that no event is dropped and none is invalid. Network
/// Activity needs an endpoint: an address from the record, or the device itself when its
/// name or address is known.
pub fn fallback(map: Mapping, has_subject: bool, has_path: bool, has_endpoint: bool) -> Mapping {
    let needs_subject = matches!(map.class, Class::Process | Class::FileSystem);
    if (needs_subject && !has_subject)
        || (map.class == Class::FileSystem && !has_path)
        || (map.class == Class::Network && !has_endpoint)
    {
        return m(Class::Base, 99, "Other");
    }
    if matches!(map.class, Class::Authentication | Class::AccountChange) && !has_subject {
        return m(Class::Base, 99, "Other");
    }
    map
}

/// The mapping table as Markdown (`docs/ocsf-mapping.md`).
pub fn markdown() -> String {
    let mut s = String::from(
        "# BSM to OCSF 1.8.0\n\n\
         Generated by `knox export --ocsf-mapping` from `knox-model/src/ocsf.rs`; a test \
         checks that this file is what the code maps. Each BSM event is first given its act by \
         `knox-model` (`knox_model::act::classify`, from the event's name and classes), and each \
         act its class and activity here. A record whose class needs what the record does not \
         hold (a subject for process and file activity, a path for file activity, a subject for \
         authentication, an endpoint for network activity) becomes a Base Event; nothing is dropped, and every token of every \
         record is kept under `unmapped.bsm.tokens`.\n\n\
         | act | class (uid) | activity (id) |\n|---|---|---|\n",
    );
    for act in Act::all() {
        let outcomes: &[NetOutcome] = if act == Act::Net(NetOp::Connect) {
            &[
                NetOutcome::Succeeded,
                NetOutcome::Refused,
                NetOutcome::Failed,
            ]
        } else {
            &[NetOutcome::Succeeded]
        };
        for &o in outcomes {
            let map = mapping(act, o);
            let when = match (act, o) {
                (Act::Net(NetOp::Connect), NetOutcome::Refused) => " (refused)",
                (Act::Net(NetOp::Connect), NetOutcome::Failed) => " (failed otherwise)",
                _ => "",
            };
            let act_name = match act {
                Act::File(FileOp::Open(_)) => "file.open (creating: file.open with create)".into(),
                a => a.name().to_string(),
            };
            s.push_str(&format!(
                "| `{act_name}`{when} | {} ({}) | {} ({}) |\n",
                map.class.name(),
                map.class.uid(),
                map.activity_name,
                map.activity_id
            ));
        }
    }
    s.push_str(
        "\n## Attributes\n\n\
         | OCSF attribute | from |\n|---|---|\n\
         | `time` | the header's time, in milliseconds |\n\
         | `metadata` | version 1.8.0, product knox, profiles `host`, `event_code` the BSM event name, `uid` file and offset |\n\
         | `device` | `hostname` and `name` from the host attribution (`--host`, the trail file name, the per-host directory), `ip` from a header_ex host address |\n\
         | `actor.user`, `user` | the subject's audit user (`uid`, `name` from the accounts) |\n\
         | `actor.session` | the subject's audit session id |\n\
         | `actor.process` | the subject's process from the process model: `uid` (stable process id), `pid`, `name`, `cmd_line`, `file`, `created_time`, `parent_process` (`uid`, `pid`), `user` (effective user), `auid`, `euid`, `egid` |\n\
         | `process` | the process acted on: the new program (exec, spawn), the child (fork), the exiting process (exit), the target (signal, trace), the subject (privilege changes) |\n\
         | `exit_code` | the exit token's status |\n\
         | `file` | the first path (`path`, `name`, `type_id`), with the attr token's owner and mode when present |\n\
         | `src_endpoint`, `dst_endpoint` | socket tokens: the local end is `src_endpoint`, the remote end `dst_endpoint` (`ip`, `port`, `name`); a call that names no address has the device as `src_endpoint` (`name`, `hostname` from the host attribution, `ip` from a header_ex address), and becomes a Base Event when nothing names the device |\n\
         | `status_id`, `status`, `status_code`, `status_detail` | the return token: success or failure, the BSM errno's name and description |\n\
         | `message` | the event's short name and what it touched |\n\
         | `unmapped.bsm` | `file`, `offset`, `event`, `event_name`, `modifier`, and every token as `knox json` writes it |\n",
    );
    s
}

/// ECONNREFUSED in BSM's numbering.
const ECONNREFUSED: u8 = 146;

/// The device an event happened on, as far as the input says: the host it is attributed to
/// (`--host`, the trail file's name, its per-host directory) and the address a header_ex token
/// gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Device<'a> {
    /// The host's name.
    pub host: Option<&'a str>,
    /// The host's address.
    pub ip: Option<Address>,
}

impl<'a> Device<'a> {
    /// The device of a record from a source attributed to `host`.
    pub fn of(host: Option<&'a str>, rec: &bsm_format::Record<'_>) -> Device<'a> {
        let ip = match rec.header() {
            Ok(Some(h)) => match h.host {
                Some(bsm_format::token::HostAddress::Ip(a)) => Some(a),
                _ => None,
            },
            _ => None,
        };
        Device { host, ip }
    }

    /// Whether anything names the device.
    pub fn is_known(&self) -> bool {
        self.host.is_some() || self.ip.is_some()
    }
}

/// The class and activity of an event on a device.
pub fn mapping_of<B: AsRef<[u8]>>(ev: &Event<B>, device: &Device<'_>) -> Mapping {
    let net = match ev.errno() {
        None => NetOutcome::Succeeded,
        Some(BsmErrno(ECONNREFUSED)) => NetOutcome::Refused,
        Some(_) => NetOutcome::Failed,
    };
    fallback(
        mapping(ev.act, net),
        ev.subject.is_some(),
        ev.path().is_some(),
        ev.local().is_some() || ev.remote().is_some() || device.is_known(),
    )
}

/// The status attributes of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    /// `status_id`: 0 unknown, 1 success, 2 failure.
    pub id: u8,
    /// `status`: its caption.
    pub name: &'static str,
    /// What is known of a failure.
    pub failure: Option<Failure>,
}

impl Status {
    /// The BSM errno of a failure.
    pub fn errno(&self) -> Option<BsmErrno> {
        self.failure.map(|f| f.errno)
    }

    /// `status_code`: the errno's name, or its number when it has none.
    pub fn code(&self) -> Option<std::borrow::Cow<'static, str>> {
        let f = self.failure?;
        Some(match f.name() {
            Some(n) => n.into(),
            None => f.errno.0.to_string().into(),
        })
    }

    /// `status_detail`: the errno's description, or for one BSM does not name, praudit's
    /// `Unknown error: N` and the return value, which then carries the meaning.
    pub fn detail(&self) -> Option<std::borrow::Cow<'static, str>> {
        let f = self.failure?;
        Some(match (f.name(), f.return_value) {
            (None, Some(r)) => format!("{}, returned {r}", f.text()).into(),
            _ => f.text(),
        })
    }
}

/// The status of an event, from its return token (or its header's failure mark).
pub fn status_of<B: AsRef<[u8]>>(ev: &Event<B>) -> Status {
    match ev.outcome() {
        Outcome::Success => Status {
            id: 1,
            name: "Success",
            failure: None,
        },
        Outcome::Failure(_) => Status {
            id: 2,
            name: "Failure",
            failure: ev.failure(),
        },
        Outcome::Unknown => Status {
            id: 0,
            name: "Unknown",
            failure: None,
        },
    }
}

/// The user a subject acts for: its audit user, or its effective user when the audit user is
/// unset (processes started before login).
pub fn user_of(s: &Subject) -> u32 {
    if s.auid == AUID_UNSET {
        s.euid
    } else {
        s.auid
    }
}

/// Where the program of a `process` object comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Program {
    /// The program the process model says the process runs.
    Model,
    /// The record's path and arguments (a failed exec or spawn: what was attempted).
    Record,
    /// The record's when the process model does not know the process (a spawn whose child
    /// left no record), else the model's.
    RecordIfUnknown,
}

/// Which process the `process` attribute of a Process Activity event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessRef {
    /// The pid to look up among running processes (none: the process is not known to run).
    pub lookup: Option<u32>,
    /// The pid written when the process is not found.
    pub pid: Option<u32>,
    /// Where its program comes from.
    pub program: Program,
}

/// The process a Process Activity event is about: the new program (exec, spawn), the child
/// (fork), the target (signal, trace), else the subject.
pub fn process_of<B: AsRef<[u8]>>(ev: &Event<B>) -> ProcessRef {
    let subject = ev.subject.map(|s| s.pid);
    let of = |lookup, pid, program| ProcessRef {
        lookup,
        pid,
        program,
    };
    match ev.act {
        Act::Exec if !ev.failed() => of(subject, subject, Program::Model),
        Act::Exec => of(subject, subject, Program::Record),
        Act::Spawn | Act::Fork(_) => match ev.child() {
            Some(c) if ev.act == Act::Spawn => of(Some(c), Some(c), Program::RecordIfUnknown),
            Some(c) => of(Some(c), Some(c), Program::Model),
            None if ev.act == Act::Spawn => of(None, subject, Program::Record),
            None => of(subject, subject, Program::Model),
        },
        Act::Signal | Act::Trace => {
            let t = ev.target_pid();
            of(t, t.or(subject), Program::Model)
        }
        _ => of(subject, subject, Program::Model),
    }
}

/// The last component of a path (the path itself when it has none).
pub fn basename(path: &[u8]) -> &[u8] {
    path.rsplit(|&c| c == b'/')
        .find(|s| !s.is_empty())
        .unwrap_or(path)
}

/// The OCSF file type (`type_id`) of an attr token's mode: 1 regular, 2 folder, 3 character
/// device, 4 block device, 5 local socket, 6 named pipe, 7 symbolic link, 0 unknown.
pub fn file_type(mode: Option<u32>) -> u8 {
    match mode.map(|m| m & 0o170000) {
        Some(0o100000) => 1,
        Some(0o040000) => 2,
        Some(0o020000) => 3,
        Some(0o060000) => 4,
        Some(0o140000) => 5,
        Some(0o010000) => 6,
        Some(0o120000) => 7,
        _ => 0,
    }
}

/// A file object: its path, and the attr token's mode and owner when the record has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileFacts<'e> {
    /// The path as the record wrote it.
    pub path: &'e [u8],
    /// The attr token's mode and owner (the first file's only).
    pub attr: Option<Attr>,
}

/// The objects of an event's class, each only where the record holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Objects<'e> {
    /// `exit_code` (Process Activity): the exit token's status.
    pub exit_code: Option<u32>,
    /// `file` (File System Activity): the first path.
    pub file: Option<FileFacts<'e>>,
    /// `file_result` (a rename's target): the last path.
    pub file_result: Option<&'e [u8]>,
    /// `src_endpoint` (Network Activity): the local end, or the peer an accept returned.
    pub src: Option<Endpoint<'e>>,
    /// `dst_endpoint`: the remote end, or the local end of an accept.
    pub dst: Option<Endpoint<'e>>,
    /// `src_endpoint` is the device itself: the call named no address (a socket, a failed
    /// connect), so the endpoint is the machine it happened on.
    pub src_is_device: bool,
    /// `connection_info.direction_id` (Network Activity): 1 inbound (accept), 2 outbound
    /// (connect), 0 unknown.
    pub direction_id: Option<u8>,
    /// `user` (Authentication, Account Change): the subject's user.
    pub user: Option<u32>,
    /// `session` (Authentication): the subject's audit session.
    pub session: Option<u32>,
    /// `service` (Authentication): named after the event.
    pub service: bool,
    /// `log_name` (Event Log Activity).
    pub log_name: Option<&'static str>,
}

/// Which facts of the event fill the objects of its class.
pub fn objects_of<'e, B: AsRef<[u8]>>(ev: &'e Event<B>, map: &Mapping) -> Objects<'e> {
    let mut o = Objects::default();
    match map.class {
        Class::Process => o.exit_code = ev.exit.map(|x| x.status),
        Class::FileSystem => {
            let mut paths = ev.paths();
            if let Some(first) = paths.next() {
                o.file = Some(FileFacts {
                    path: first,
                    attr: ev.attr,
                });
                if map.activity_id == 5 {
                    o.file_result = paths.last();
                }
            }
        }
        Class::Network => {
            let (local, remote) = (ev.local(), ev.remote());
            // What accept returns is the peer that connected: the source.
            let (src, dst) = if ev.act == Act::Net(NetOp::Accept) {
                (remote, local)
            } else {
                (local, remote)
            };
            o.src = src;
            o.dst = dst;
            o.src_is_device = src.is_none() && dst.is_none();
            o.direction_id = Some(match ev.act {
                Act::Net(NetOp::Accept) => 1,
                Act::Net(NetOp::Connect) => 2,
                _ => 0,
            });
        }
        Class::Authentication | Class::AccountChange => {
            if let Some(subj) = ev.subject {
                o.user = Some(user_of(&subj));
                if map.class == Class::Authentication {
                    o.session = Some(subj.sid);
                    o.service = true;
                }
            }
        }
        Class::EventLog => o.log_name = Some("audit"),
        Class::Base => {}
    }
    o
}

/// `message`: the event's description (else its act) and what it touched: the first path,
/// else an address, else the text token.
pub fn message<B: AsRef<[u8]>>(ev: &Event<B>, description: Option<&str>) -> String {
    let mut msg = match description {
        Some(d) => d.to_string(),
        None => ev.act.name().to_string(),
    };
    if let Some(p) = ev.path() {
        msg.push(' ');
        msg.push_str(&String::from_utf8_lossy(p));
    } else if let Some(a) = ev.remote().or(ev.local()) {
        use std::fmt::Write;
        let _ = write!(msg, " {a}");
    } else if let Some(t) = ev.text() {
        msg.push(' ');
        msg.push_str(&String::from_utf8_lossy(t));
    }
    msg
}
