//! What a record did: one [`Act`] per audit event, decided here and nowhere else.
//!
//! Events are classified by their name in the event table (`AUE_OPEN_RWC`, `AUE_DARWIN_RFORK`),
//! which is the same on macOS and FreeBSD where the numbers are not, and by their classes
//! (`fr`, `nt`, `lo`, ...) when the name says nothing more. [`Acts`] holds the answer for every
//! event number of a table, worked out once.

use bsm_format::tables::EventTable;

/// What a record did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Act {
    /// A new program replaced the calling process's (execve, mac_execve, fexecve).
    Exec,
    /// A new process running a new program: fork and exec in one call (posix_spawn).
    Spawn,
    /// A new process running the caller's program (fork, vfork, rfork, pdfork).
    Fork(ForkKind),
    /// The calling process ended.
    Exit,
    /// A signal sent to another process (kill, killpg, pdkill).
    Signal,
    /// Tracing another process (ptrace).
    Trace,
    /// A file system operation.
    File(FileOp),
    /// A network operation.
    Net(NetOp),
    /// A login session's start or end.
    Session(SessionOp),
    /// A change of the process's identity or privileges.
    Privilege(PrivilegeOp),
    /// Changes to the audit system itself (auditon, auditctl, audit(2), auditd's own records).
    Audit,
    /// Other system administration (reboot, settimeofday, kernel modules, quotas, sysctl...).
    Admin,
    /// Nothing more specific is known of the event.
    Other,
}

/// How a process was created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ForkKind {
    /// fork(2): a copy of the process.
    Fork,
    /// vfork(2): a child sharing its parent's memory until it execs or exits.
    Vfork,
    /// rfork, pdfork, fork1.
    Other,
}

/// What a file operation did. Open records say from their event how the file was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FileOp {
    /// An open, with its access and creation mode.
    Open(OpenMode),
    /// A new file, directory, link or node (mkdir, mknod, symlink, ...).
    Create,
    /// Reading data or metadata.
    Read,
    /// Writing data or changing metadata (chmod, chown, utimes, ...).
    Write,
    /// Removing a name (unlink, rmdir).
    Delete,
    /// Renaming (the record's second path is the new name).
    Rename,
    /// A new name for an existing file (link, symlink).
    Link,
    /// Permissions, owner, flags or ACL changed (chmod, chown, chflags, acl).
    SetSecurity,
    /// Other attributes changed (times, extended attributes, size).
    SetAttributes,
    /// Attributes read (stat, access, getattrlist, readlink).
    GetAttributes,
    /// Closing a descriptor.
    Close,
    /// Mounting a file system.
    Mount,
    /// Unmounting a file system.
    Unmount,
    /// Directory changes (chdir, chroot) and other operations on files.
    Other,
}

/// How an open call opened its file, from the event (`AUE_OPEN_RWC` reads, writes, creates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct OpenMode {
    /// Opened for reading.
    pub read: bool,
    /// Opened for writing.
    pub write: bool,
    /// Created if absent (O_CREAT).
    pub create: bool,
    /// Truncated (O_TRUNC).
    pub truncate: bool,
}

/// What a network operation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NetOp {
    /// A socket made (socket, socketpair).
    Socket,
    /// Binding a local address.
    Bind,
    /// Listening for connections.
    Listen,
    /// Connecting to a remote address.
    Connect,
    /// Accepting a connection.
    Accept,
    /// Sending data.
    Send,
    /// Receiving data.
    Receive,
    /// A connection shut down.
    Shutdown,
    /// Socket options and other network calls.
    Other,
}

/// Logins, logouts and authentication (classes `lo` and `aa`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SessionOp {
    /// A login (ssh, login, the login window, su, ...).
    Login,
    /// A logout.
    Logout,
    /// Credentials checked (authorization, sudo's check, the security server).
    Authenticate,
    /// Acting as another user (su, newgrp).
    SwitchUser,
    /// A password changed (passwd).
    PasswordChange,
}

/// Changes of a process's identity or privileges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PrivilegeOp {
    /// setuid, seteuid, setreuid, setresuid.
    SetUid,
    /// setgid, setegid, setregid, setresgid.
    SetGid,
    /// setgroups: the supplementary groups.
    SetGroups,
    /// The audit identity: setauid, setaudit, setaudit_addr.
    SetAudit,
    /// The login name (setlogin).
    SetLogin,
    /// Other privilege changes (setprivexec, capability mode, jail attach).
    Other,
}

impl Act {
    /// A short stable name, as JSON outputs write it: `exec`, `fork`, `file.open`, `net.connect`,
    /// `session.login`, `privilege.setuid`, ...
    pub fn name(&self) -> &'static str {
        match self {
            Act::Exec => "exec",
            Act::Spawn => "spawn",
            Act::Fork(ForkKind::Fork) => "fork",
            Act::Fork(ForkKind::Vfork) => "vfork",
            Act::Fork(ForkKind::Other) => "fork.other",
            Act::Exit => "exit",
            Act::Signal => "signal",
            Act::Trace => "trace",
            Act::File(op) => match op {
                FileOp::Open(_) => "file.open",
                FileOp::Create => "file.create",
                FileOp::Read => "file.read",
                FileOp::Write => "file.write",
                FileOp::Delete => "file.delete",
                FileOp::Rename => "file.rename",
                FileOp::Link => "file.link",
                FileOp::SetSecurity => "file.set_security",
                FileOp::SetAttributes => "file.set_attributes",
                FileOp::GetAttributes => "file.get_attributes",
                FileOp::Close => "file.close",
                FileOp::Mount => "file.mount",
                FileOp::Unmount => "file.unmount",
                FileOp::Other => "file.other",
            },
            Act::Net(op) => match op {
                NetOp::Socket => "net.socket",
                NetOp::Bind => "net.bind",
                NetOp::Listen => "net.listen",
                NetOp::Connect => "net.connect",
                NetOp::Accept => "net.accept",
                NetOp::Send => "net.send",
                NetOp::Receive => "net.receive",
                NetOp::Shutdown => "net.shutdown",
                NetOp::Other => "net.other",
            },
            Act::Session(op) => match op {
                SessionOp::Login => "session.login",
                SessionOp::Logout => "session.logout",
                SessionOp::Authenticate => "session.authenticate",
                SessionOp::SwitchUser => "session.switch_user",
                SessionOp::PasswordChange => "session.password_change",
            },
            Act::Privilege(op) => match op {
                PrivilegeOp::SetUid => "privilege.setuid",
                PrivilegeOp::SetGid => "privilege.setgid",
                PrivilegeOp::SetGroups => "privilege.setgroups",
                PrivilegeOp::SetAudit => "privilege.setaudit",
                PrivilegeOp::SetLogin => "privilege.setlogin",
                PrivilegeOp::Other => "privilege.other",
            },
            Act::Audit => "audit",
            Act::Admin => "admin",
            Act::Other => "other",
        }
    }

    /// Whether the act creates a process, runs a program or ends a process (what the process
    /// model follows).
    pub fn is_lifecycle(&self) -> bool {
        matches!(self, Act::Exec | Act::Spawn | Act::Fork(_) | Act::Exit)
    }

    /// Whether the act runs a new program (in the caller, or in a spawned child).
    pub fn is_exec(&self) -> bool {
        matches!(self, Act::Exec | Act::Spawn)
    }

    /// Every act, for tables and tests.
    pub fn all() -> Vec<Act> {
        let mut v = vec![
            Act::Exec,
            Act::Spawn,
            Act::Fork(ForkKind::Fork),
            Act::Fork(ForkKind::Vfork),
            Act::Fork(ForkKind::Other),
            Act::Exit,
            Act::Signal,
            Act::Trace,
        ];
        v.extend(
            [
                FileOp::Open(OpenMode::default()),
                FileOp::Create,
                FileOp::Read,
                FileOp::Write,
                FileOp::Delete,
                FileOp::Rename,
                FileOp::Link,
                FileOp::SetSecurity,
                FileOp::SetAttributes,
                FileOp::GetAttributes,
                FileOp::Close,
                FileOp::Mount,
                FileOp::Unmount,
                FileOp::Other,
            ]
            .map(Act::File),
        );
        v.extend(
            [
                NetOp::Socket,
                NetOp::Bind,
                NetOp::Listen,
                NetOp::Connect,
                NetOp::Accept,
                NetOp::Send,
                NetOp::Receive,
                NetOp::Shutdown,
                NetOp::Other,
            ]
            .map(Act::Net),
        );
        v.extend(
            [
                SessionOp::Login,
                SessionOp::Logout,
                SessionOp::Authenticate,
                SessionOp::SwitchUser,
                SessionOp::PasswordChange,
            ]
            .map(Act::Session),
        );
        v.extend(
            [
                PrivilegeOp::SetUid,
                PrivilegeOp::SetGid,
                PrivilegeOp::SetGroups,
                PrivilegeOp::SetAudit,
                PrivilegeOp::SetLogin,
                PrivilegeOp::Other,
            ]
            .map(Act::Privilege),
        );
        v.extend([Act::Audit, Act::Admin, Act::Other]);
        v
    }
}

impl std::fmt::Display for Act {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What an event's name (without `AUE_` and `DARWIN_`, upper case) and classes must show for a
/// rule of [`RULES`] to hold.
#[derive(Clone, Copy)]
enum When {
    /// The name is one of these.
    Named(&'static [&'static str]),
    /// The name starts with one of these.
    Starts(&'static [&'static str]),
    /// The name contains this.
    Contains(&'static str),
    /// The classes include this one.
    Class(&'static str),
    /// The name is an open (`OPEN_RWTC`, `OPENAT_W`): the act carries the mode it gives.
    Open,
    /// Both hold.
    And(&'static When, &'static When),
    /// This does not hold.
    Not(&'static When),
    /// One of these holds.
    Any(&'static [When]),
}

use When::{And, Any, Class, Contains, Named, Not, Open, Starts};

/// The mode of an open before its name is read.
const NO_MODE: OpenMode = OpenMode {
    read: false,
    write: false,
    create: false,
    truncate: false,
};

/// Logins and authentication: their names are lower case in the tables (AUE_login, AUE_sudo), so
/// their classes say more than their names.
const LOGIN: When = Any(&[Class("lo"), Class("aa")]);

/// How events are classified: the first rule that holds gives the act. Names come first, then
/// what the classes alone say.
const RULES: &[(When, Act)] = &[
    // Processes.
    (
        Named(&["EXEC", "EXECVE", "MAC_EXECVE", "FEXECVE"]),
        Act::Exec,
    ),
    (Named(&["POSIX_SPAWN"]), Act::Spawn),
    (Named(&["FORK"]), Act::Fork(ForkKind::Fork)),
    (Named(&["VFORK"]), Act::Fork(ForkKind::Vfork)),
    (
        Named(&["RFORK", "PDFORK", "FORK1"]),
        Act::Fork(ForkKind::Other),
    ),
    (Named(&["EXIT"]), Act::Exit),
    (
        Named(&["KILL", "KILLPG", "PDKILL", "PTHREADKILL", "PTHREAD_KILL"]),
        Act::Signal,
    ),
    (Named(&["PTRACE"]), Act::Trace),
    // Identity and privileges.
    (
        Named(&["SETUID", "SETEUID", "SETREUID", "SETRESUID"]),
        Act::Privilege(PrivilegeOp::SetUid),
    ),
    (
        Named(&["SETGID", "SETEGID", "SETREGID", "SETRESGID"]),
        Act::Privilege(PrivilegeOp::SetGid),
    ),
    (
        Named(&["SETGROUPS"]),
        Act::Privilege(PrivilegeOp::SetGroups),
    ),
    (
        Named(&["SETAUID", "SETAUDIT", "SETAUDIT_ADDR"]),
        Act::Privilege(PrivilegeOp::SetAudit),
    ),
    (Named(&["SETLOGIN"]), Act::Privilege(PrivilegeOp::SetLogin)),
    (
        Named(&[
            "SETPRIVEXEC",
            "CAP_ENTER",
            "JAIL_ATTACH",
            "SETSID",
            "SETPGRP",
        ]),
        Act::Privilege(PrivilegeOp::Other),
    ),
    // Logins and authentication.
    (
        And(&LOGIN, &Contains("LOGOUT")),
        Act::Session(SessionOp::Logout),
    ),
    (
        And(&LOGIN, &Named(&["SU", "NEWGRP_LOGIN"])),
        Act::Session(SessionOp::SwitchUser),
    ),
    (
        And(&LOGIN, &Named(&["PASSWD"])),
        Act::Session(SessionOp::PasswordChange),
    ),
    (
        Any(&[
            Class("aa"),
            And(&Class("lo"), &Named(&["SUDO", "ADMIN_AUTHENTICATE"])),
        ]),
        Act::Session(SessionOp::Authenticate),
    ),
    (Class("lo"), Act::Session(SessionOp::Login)),
    // The audit system.
    (Starts(&["AUDIT", "GETAUDIT", "GETAUID"]), Act::Audit),
    // Files.
    // (The mode is the name's: see `classify`.)
    (Open, Act::File(FileOp::Open(NO_MODE))),
    (
        Starts(&["RENAME", "EXCHANGEDATA"]),
        Act::File(FileOp::Rename),
    ),
    (
        Starts(&["UNLINK", "RMDIR", "DELETE", "REVOKE"]),
        Act::File(FileOp::Delete),
    ),
    (Starts(&["LINK", "SYMLINK"]), Act::File(FileOp::Link)),
    (
        Starts(&[
            "CREAT",
            "MKDIR",
            "MKNOD",
            "MKFIFO",
            "MKCOMPLEX",
            "CLONEFILE",
            "COPYFILE",
        ]),
        Act::File(FileOp::Create),
    ),
    (
        Any(&[
            Starts(&[
                "CHMOD", "FCHMOD", "LCHMOD", "CHOWN", "FCHOWN", "LCHOWN", "CHFLAGS", "FCHFLAGS",
                "LCHFLAGS",
            ]),
            Contains("ACL"),
        ]),
        Act::File(FileOp::SetSecurity),
    ),
    (
        Starts(&[
            "UTIMES",
            "FUTIMES",
            "LUTIMES",
            "UTIME",
            "FUTIMESAT",
            "UTIMENSAT",
            "FUTIMENS",
            "SETATTRLIST",
            "FSETATTRLIST",
            "SETXATTR",
            "FSETXATTR",
            "REMOVEXATTR",
            "FREMOVEXATTR",
            "EXTATTR_SET",
            "EXTATTR_DELETE",
            "TRUNCATE",
            "FTRUNCATE",
        ]),
        Act::File(FileOp::SetAttributes),
    ),
    (Named(&["MOUNT", "NMOUNT"]), Act::File(FileOp::Mount)),
    (Named(&["UMOUNT", "UNMOUNT"]), Act::File(FileOp::Unmount)),
    (
        Named(&["CLOSE", "CLOSE_NOCANCEL"]),
        Act::File(FileOp::Close),
    ),
    (
        And(&Starts(&["READ", "PREAD"]), &Not(&Starts(&["READLINK"]))),
        Act::File(FileOp::Read),
    ),
    (Starts(&["WRITE", "PWRITE"]), Act::File(FileOp::Write)),
    (
        Starts(&[
            "STAT",
            "LSTAT",
            "FSTAT",
            "ACCESS",
            "GETATTRLIST",
            "FGETATTRLIST",
            "READLINK",
            "GETXATTR",
            "FGETXATTR",
            "LISTXATTR",
            "FLISTXATTR",
            "EXTATTR_GET",
            "EXTATTR_LIST",
            "PATHCONF",
            "FPATHCONF",
            "STATFS",
            "FSTATFS",
            "GETDIRENTRIES",
            "FHSTAT",
        ]),
        Act::File(FileOp::GetAttributes),
    ),
    // Network.
    (Named(&["SOCKET", "SOCKETPAIR"]), Act::Net(NetOp::Socket)),
    (Starts(&["BIND"]), Act::Net(NetOp::Bind)),
    (Named(&["LISTEN"]), Act::Net(NetOp::Listen)),
    (Starts(&["CONNECT"]), Act::Net(NetOp::Connect)),
    (Starts(&["ACCEPT"]), Act::Net(NetOp::Accept)),
    (Starts(&["SEND"]), Act::Net(NetOp::Send)),
    (Starts(&["RECV"]), Act::Net(NetOp::Receive)),
    (Named(&["SHUTDOWN"]), Act::Net(NetOp::Shutdown)),
    (Class("nt"), Act::Net(NetOp::Other)),
    // What the classes alone say of file events.
    (Class("fc"), Act::File(FileOp::Create)),
    (Class("fd"), Act::File(FileOp::Delete)),
    (Class("fm"), Act::File(FileOp::SetAttributes)),
    (Class("fw"), Act::File(FileOp::Write)),
    (Class("fr"), Act::File(FileOp::Read)),
    (Class("fa"), Act::File(FileOp::GetAttributes)),
    (Class("cl"), Act::File(FileOp::Close)),
    (
        Starts(&["CHDIR", "FCHDIR", "CHROOT", "FCHROOT"]),
        Act::File(FileOp::Other),
    ),
    (Class("ad"), Act::Admin),
];

impl When {
    fn holds(&self, name: &str, classes: &str) -> bool {
        match self {
            Named(words) => words.contains(&name),
            Starts(words) => words.iter().any(|w| name.starts_with(w)),
            Contains(part) => name.contains(part),
            Class(c) => classes.split(',').any(|x| x.trim() == *c),
            Open => open_mode(name).is_some(),
            And(a, b) => a.holds(name, classes) && b.holds(name, classes),
            Not(a) => !a.holds(name, classes),
            Any(all) => all.iter().any(|w| w.holds(name, classes)),
        }
    }
}

/// Classifies one event from its table entry: its name (`AUE_OPEN_RWC`) and its classes
/// (`fr,fw,fc`, as audit_event lists them), by the first of [`RULES`] that holds.
pub fn classify(name: &str, classes: &str) -> Act {
    let n = name.strip_prefix("AUE_").unwrap_or(name);
    let n = n.strip_prefix("DARWIN_").unwrap_or(n).to_ascii_uppercase();
    RULES
        .iter()
        .find(|(when, _)| when.holds(&n, classes))
        .map_or(Act::Other, |(when, act)| match (when, act) {
            // An open's act carries the mode its name gives.
            (Open, Act::File(FileOp::Open(_))) => {
                open_mode(&n).map_or(*act, |m| Act::File(FileOp::Open(m)))
            }
            _ => *act,
        })
}

/// The open mode an open event's name gives (`OPEN_RWTC`, `OPENAT_W`, `OPEN_EXTENDED_RC`);
/// `None` when the event is not an open.
fn open_mode(n: &str) -> Option<OpenMode> {
    let rest = ["OPEN_EXTENDED", "OPENAT", "OPEN", "OPENBYID"]
        .iter()
        .find_map(|p| n.strip_prefix(p))?;
    let letters = match rest {
        "" => "",
        r => r.strip_prefix('_')?,
    };
    if !letters
        .bytes()
        .all(|c| matches!(c, b'R' | b'W' | b'T' | b'C'))
    {
        return None;
    }
    Some(OpenMode {
        read: letters.contains('R'),
        write: letters.contains('W'),
        create: letters.contains('C'),
        truncate: letters.contains('T'),
    })
}

/// The act of every event number of one event table, worked out once.
#[derive(Clone)]
pub struct Acts {
    by_number: Box<[Act]>,
}

impl std::fmt::Debug for Acts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Acts").finish_non_exhaustive()
    }
}

impl Acts {
    /// The acts of a table's events; numbers the table does not list are [`Act::Other`].
    pub fn new(table: &EventTable) -> Acts {
        let mut by_number = vec![Act::Other; 1 << 16].into_boxed_slice();
        for e in table.iter() {
            by_number[e.number as usize] = classify(&e.name, &e.classes);
        }
        Acts { by_number }
    }

    /// The act of an event number.
    pub fn of(&self, event: u16) -> Act {
        self.by_number[event as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_classified_by_name_then_class() {
        let open = |r, w, c, t| {
            Act::File(FileOp::Open(OpenMode {
                read: r,
                write: w,
                create: c,
                truncate: t,
            }))
        };
        for (name, classes, want) in [
            ("AUE_EXECVE", "pc,ex", Act::Exec),
            ("AUE_MAC_EXECVE", "ex,pc", Act::Exec),
            ("AUE_POSIX_SPAWN", "pc", Act::Spawn),
            ("AUE_FORK", "pc", Act::Fork(ForkKind::Fork)),
            ("AUE_VFORK", "pc", Act::Fork(ForkKind::Vfork)),
            ("AUE_DARWIN_RFORK", "pc", Act::Fork(ForkKind::Other)),
            ("AUE_EXIT", "pc", Act::Exit),
            ("AUE_KILL", "pc", Act::Signal),
            ("AUE_OPEN_RWTC", "fr,fw,fc", open(true, true, true, true)),
            ("AUE_OPENAT_W", "fw", open(false, true, false, false)),
            ("AUE_OPEN", "fa", open(false, false, false, false)),
            (
                "AUE_OPEN_EXTENDED_RC",
                "fc,fr",
                open(true, false, true, false),
            ),
            ("AUE_OPENSSH", "lo", Act::Session(SessionOp::Login)),
            ("AUE_RENAMEAT", "fc,fd", Act::File(FileOp::Rename)),
            ("AUE_UNLINK", "fd", Act::File(FileOp::Delete)),
            ("AUE_LINK", "fc", Act::File(FileOp::Link)),
            ("AUE_MKDIR", "fc", Act::File(FileOp::Create)),
            ("AUE_FCHMOD", "fm", Act::File(FileOp::SetSecurity)),
            ("AUE_UTIMES", "fm", Act::File(FileOp::SetAttributes)),
            ("AUE_STAT", "fa", Act::File(FileOp::GetAttributes)),
            ("AUE_READLINK", "fr", Act::File(FileOp::GetAttributes)),
            ("AUE_READ", "no", Act::File(FileOp::Read)),
            ("AUE_PWRITE", "no", Act::File(FileOp::Write)),
            ("AUE_CLOSE", "cl", Act::File(FileOp::Close)),
            ("AUE_MOUNT", "ad", Act::File(FileOp::Mount)),
            ("AUE_SOCKETPAIR", "ip", Act::Net(NetOp::Socket)),
            ("AUE_CONNECT", "nt", Act::Net(NetOp::Connect)),
            ("AUE_SENDTO", "nt", Act::Net(NetOp::Send)),
            ("AUE_SETSOCKOPT", "nt", Act::Net(NetOp::Other)),
            ("AUE_login", "lo", Act::Session(SessionOp::Login)),
            ("AUE_logout", "lo", Act::Session(SessionOp::Logout)),
            ("AUE_lw_logout", "lo", Act::Session(SessionOp::Logout)),
            ("AUE_sudo", "aa", Act::Session(SessionOp::Authenticate)),
            ("AUE_su", "lo", Act::Session(SessionOp::SwitchUser)),
            ("AUE_passwd", "lo", Act::Session(SessionOp::PasswordChange)),
            ("AUE_SETUID", "pc", Act::Privilege(PrivilegeOp::SetUid)),
            ("AUE_SETREGID", "pc", Act::Privilege(PrivilegeOp::SetGid)),
            (
                "AUE_SETAUDIT_ADDR",
                "ad",
                Act::Privilege(PrivilegeOp::SetAudit),
            ),
            ("AUE_AUDITON", "ad", Act::Audit),
            ("AUE_audit_startup", "ad", Act::Audit),
            ("AUE_REBOOT", "ad", Act::Admin),
            ("AUE_CHDIR", "pc", Act::File(FileOp::Other)),
            ("AUE_MMAP", "no", Act::Other),
        ] {
            assert_eq!(classify(name, classes), want, "{name}");
        }
    }

    #[test]
    fn every_embedded_event_has_an_act_and_the_lifecycle_numbers_agree() {
        use bsm_format::tables::Flavor;
        for flavor in [Flavor::MacOs, Flavor::FreeBsd] {
            let acts = Acts::new(EventTable::embedded(flavor));
            assert_eq!(acts.of(1), Act::Exit);
            assert_eq!(acts.of(2), Act::Fork(ForkKind::Fork));
            assert_eq!(acts.of(23), Act::Exec);
            assert_eq!(acts.of(25), Act::Fork(ForkKind::Vfork));
            assert_eq!(acts.of(43131), Act::Exec);
            assert_eq!(acts.of(43190), Act::Spawn);
            assert_eq!(acts.of(6152), Act::Session(SessionOp::Login));
            assert_eq!(acts.of(6153), Act::Session(SessionOp::Logout));
            // Every network-class event is a network act, and most file-class events a file act.
            for e in EventTable::embedded(flavor).iter() {
                let act = acts.of(e.number);
                if e.classes.split(',').any(|c| c == "nt") {
                    assert!(
                        matches!(act, Act::Net(_)),
                        "{} ({}) is {act}",
                        e.name,
                        e.classes
                    );
                }
            }
        }
        let names: std::collections::BTreeSet<_> = Act::all().iter().map(Act::name).collect();
        assert_eq!(names.len(), Act::all().len(), "act names are unique");
    }
}
