//! What kind of activity an audit event is: a file operation, network use, or one of the
//! process lifecycle events the model follows.

pub const EXIT: u16 = 1;
pub const FORK: u16 = 2;
pub const VFORK: u16 = 25;
pub const EXECVE: u16 = 23;
pub const MAC_EXECVE: u16 = 43131;
pub const POSIX_SPAWN: u16 = 43190;

/// Events that create a process, replace its program or end it.
pub fn is_lifecycle(ev: u16) -> bool {
    matches!(ev, EXECVE | MAC_EXECVE | POSIX_SPAWN | FORK | VFORK | EXIT)
}

/// Events that run a new program (in the caller, or in a spawned child).
pub fn is_exec(ev: u16) -> bool {
    matches!(ev, EXECVE | MAC_EXECVE | POSIX_SPAWN)
}

/// File operations, as bits of [`super::FileUse::ops`].
pub const OPS: [&str; 10] = [
    "read",
    "write",
    "create",
    "delete",
    "rename",
    "renamed-to",
    "attr",
    "stat",
    "close",
    "other",
];

pub fn op_bit(op: &str) -> u16 {
    OPS.iter().position(|&o| o == op).map_or(1 << 9, |i| 1 << i)
}

/// The names of the operations in a mask, in [`OPS`] order.
pub fn op_names(ops: u16) -> Vec<&'static str> {
    OPS.iter()
        .enumerate()
        .filter(|(i, _)| ops & (1 << i) != 0)
        .map(|(_, &o)| o)
        .collect()
}

/// What a file event does, from its short name (AUE_...) and its classes.
pub fn file_op(name: &str, classes: &str) -> &'static str {
    let n = name.trim_start_matches("AUE_").to_ascii_lowercase();
    let has = |c: &str| classes.split(',').any(|x| x == c);
    if n.starts_with("open") {
        if has("fc") {
            "create"
        } else if has("fw") {
            "write"
        } else {
            "read"
        }
    } else if n.contains("rename") {
        "rename"
    } else if n.contains("unlink") || n.contains("rmdir") || has("fd") {
        "delete"
    } else if n.contains("chmod")
        || n.contains("chown")
        || n.contains("utime")
        || n.contains("chflags")
        || has("fm")
    {
        "attr"
    } else if n == "read" || n.starts_with("pread") || n.starts_with("readv") || has("fr") {
        "read"
    } else if n == "write" || n.starts_with("pwrite") || n.starts_with("writev") || has("fw") {
        "write"
    } else if n == "close" {
        "close"
    } else if has("fa") {
        "stat"
    } else {
        "other"
    }
}

/// Whether an event is network use (class `nt`, or a socket or connect call in another class).
pub fn is_net_event(name: &str, classes: &str) -> bool {
    classes.split(',').any(|c| c == "nt") || name.contains("SOCKET") || name.contains("CONNECT")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_classified_by_name_and_class() {
        assert_eq!(file_op("AUE_OPEN_RWTC", "fr,fw,fc"), "create");
        assert_eq!(file_op("AUE_OPEN_W", "fw"), "write");
        assert_eq!(file_op("AUE_OPEN_R", "fr"), "read");
        assert_eq!(file_op("AUE_RENAMEAT", "fc,fd"), "rename");
        assert_eq!(file_op("AUE_UNLINK", "fd"), "delete");
        assert_eq!(file_op("AUE_FCHMOD", "fm"), "attr");
        assert_eq!(file_op("AUE_STAT", "fa"), "stat");
        assert_eq!(file_op("AUE_CLOSE", "cl"), "close");
        assert_eq!(file_op("AUE_KILL", "pc"), "other");
        assert!(is_net_event("AUE_CONNECT", "nt"));
        assert!(is_net_event("AUE_SOCKETPAIR", "ip"));
        assert!(!is_net_event("AUE_OPEN_R", "fr"));
        assert_eq!(
            op_names(op_bit("rename") | op_bit("read")),
            ["read", "rename"]
        );
        assert_eq!(op_names(op_bit("no such op")), ["other"]);
    }
}
