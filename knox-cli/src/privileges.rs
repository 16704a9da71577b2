//! Root for live auditing: re-run through `sudo` when not root (same arguments, no shell, stdout
//! untouched), or, when installed setuid root, open the device and drop root before decoding.

use std::io;

/// Set in the environment of the `sudo` re-run, so that it is tried once.
const REEXEC_MARK: &str = "KNOX_SUDO_REEXEC";

/// What to do about privileges before opening `/dev/auditpipe`.
pub enum Plan {
    /// Already root (or setuid root): go on; drop root after opening if setuid.
    Proceed { setuid: bool },
    /// Not root: replace this process with `sudo knox ...`.
    Sudo,
    /// Not root and sudo was already tried.
    Fail,
}

/// Decides from the effective and real uids and whether this is the sudo re-run.
pub fn plan(euid_is_root: bool, ruid_is_root: bool, reexeced: bool) -> Plan {
    match (euid_is_root, reexeced) {
        (true, _) => Plan::Proceed {
            setuid: !ruid_is_root,
        },
        (false, false) => Plan::Sudo,
        (false, true) => Plan::Fail,
    }
}

/// Makes sure the process can open the audit pipe: returns `Ok(setuid)` to go on, or replaces
/// the process with `sudo` (never returning on success).
#[cfg(unix)]
pub fn ensure_root() -> io::Result<bool> {
    use std::os::unix::process::CommandExt;
    let reexeced = std::env::var_os(REEXEC_MARK).is_some();
    match plan(
        bsm_io::system::is_root(),
        bsm_io::system::is_real_root(),
        reexeced,
    ) {
        Plan::Proceed { setuid } => Ok(setuid),
        Plan::Fail => Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "root is needed to open /dev/auditpipe",
        )),
        Plan::Sudo => {
            eprintln!("knox: /dev/auditpipe needs root: running through sudo");
            let exe = std::env::current_exe()?;
            let err = std::process::Command::new("sudo")
                .arg("--preserve-env=TZ")
                .arg(format!("{REEXEC_MARK}=1"))
                .arg("--")
                .arg(exe)
                .args(std::env::args_os().skip(1))
                .exec();
            Err(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privilege_plans() {
        assert!(matches!(
            plan(true, true, false),
            Plan::Proceed { setuid: false }
        ));
        assert!(matches!(
            plan(true, false, false),
            Plan::Proceed { setuid: true }
        ));
        assert!(matches!(plan(false, false, false), Plan::Sudo));
        assert!(matches!(plan(false, false, true), Plan::Fail));
    }
}
