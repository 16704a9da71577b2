//! Which OCSF 1.8.0 class and activity each act of the model becomes: the one table behind
//! `knox export --format ocsf` and `docs/ocsf-mapping.md` (generated from it by
//! `knox export --ocsf-mapping`, and checked against it by a test).

use knox_model::{Act, FileOp, ForkKind, NetOp, PrivilegeOp, SessionOp};

/// An OCSF event class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    Base,
    FileSystem,
    Process,
    EventLog,
    AccountChange,
    Authentication,
    Network,
}

impl Class {
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
    pub class: Class,
    pub activity_id: u32,
    pub activity_name: &'static str,
}

impl Mapping {
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
    Succeeded,
    /// The connection was refused (ECONNREFUSED).
    Refused,
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
/// fill becomes a Base Event, so that no event is dropped and none is invalid.
pub fn fallback(map: Mapping, has_subject: bool, has_path: bool) -> Mapping {
    let needs_subject = matches!(map.class, Class::Process | Class::FileSystem);
    if (needs_subject && !has_subject) || (map.class == Class::FileSystem && !has_path) {
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
         Generated by `knox export --ocsf-mapping` from `knox-cli/src/export/ocsf_map.rs`; a test \
         checks that this file is what the code maps. Each BSM event is first given its act by \
         `knox-model` (`knox_model::act::classify`, from the event's name and classes), and each \
         act its class and activity here. A record whose class needs what the record does not \
         hold (a subject for process and file activity, a path for file activity, a subject for \
         authentication) becomes a Base Event; nothing is dropped, and every token of every \
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
         | `src_endpoint`, `dst_endpoint` | socket tokens: the local end is `src_endpoint`, the remote end `dst_endpoint` (`ip`, `port`, `name`); address-less calls name the device |\n\
         | `status_id`, `status`, `status_code`, `status_detail` | the return token: success or failure, the BSM errno's name and description |\n\
         | `message` | the event's short name and what it touched |\n\
         | `unmapped.bsm` | `file`, `offset`, `event`, `event_name`, `modifier`, and every token as `knox json` writes it |\n",
    );
    s
}
