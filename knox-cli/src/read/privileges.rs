//! Root for live auditing: re-run through `sudo` when not root (same arguments, no shell, stdout
//! untouched), or, when installed setuid root, open the device and drop root before decoding.
//!
//! The re-run passes nothing through the environment: sudoers lets a command set variables only
//! with SETENV, which a rule limited to knox does not grant. What the re-run needs (that it is
//! the re-run, the user's time zone) travels as hidden leading arguments instead.

use std::ffi::{OsStr, OsString};
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

/// The first argument of the sudo re-run, so that sudo is tried once.
const REEXEC_ARG: &str = "--sudo-reexec";
/// The user's `TZ` (the re-run prints times in the user's zone, not root's).
const TZ_ARG: &str = "--sudo-tz=";

/// Whether this process is the sudo re-run.
static REEXECED: AtomicBool = AtomicBool::new(false);

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

/// The arguments given to `sudo` to re-run `exe` with `args` (the arguments after the program
/// name) and the user's time zone.
pub fn sudo_arguments(exe: &OsStr, args: &[OsString], tz: Option<&OsStr>) -> Vec<OsString> {
    let mut v: Vec<OsString> = vec!["--".into(), exe.into(), REEXEC_ARG.into()];
    if let Some(tz) = tz {
        let mut a = OsString::from(TZ_ARG);
        a.push(tz);
        v.push(a);
    }
    v.extend(args.iter().cloned());
    v
}

/// Takes the re-run's leading arguments off the command line (they count only right after the
/// program name) and notes what they say. Returns the arguments to parse and the time zone to
/// use, if one was passed.
pub fn take_reexec_args(mut args: Vec<OsString>) -> (Vec<OsString>, Option<OsString>) {
    if args.get(1).is_none_or(|a| a != REEXEC_ARG) {
        return (args, None);
    }
    args.remove(1);
    REEXECED.store(true, Ordering::Relaxed);
    let tz = args
        .get(1)
        .and_then(|a| a.to_str())
        .and_then(|a| a.strip_prefix(TZ_ARG))
        .map(OsString::from);
    if tz.is_some() {
        args.remove(1);
    }
    (args, tz)
}

/// Makes sure the process can open the audit pipe: returns `Ok(setuid)` to go on, or replaces
/// the process with `sudo` (never returning on success), saying so on `err` first.
#[cfg(unix)]
pub fn ensure_root(err: &mut dyn io::Write) -> io::Result<bool> {
    use std::os::unix::process::CommandExt;
    match plan(
        bsm_io::system::is_root(),
        bsm_io::system::is_real_root(),
        REEXECED.load(Ordering::Relaxed),
    ) {
        Plan::Proceed { setuid } => Ok(setuid),
        Plan::Fail => Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "root is needed to open /dev/auditpipe",
        )),
        Plan::Sudo => {
            writeln!(err, "knox: /dev/auditpipe needs root: running through sudo")?;
            err.flush()?;
            let exe = std::env::current_exe()?;
            let args: Vec<OsString> = std::env::args_os().skip(1).collect();
            let tz = std::env::var_os("TZ");
            let err = std::process::Command::new("sudo")
                .args(sudo_arguments(exe.as_os_str(), &args, tz.as_deref()))
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

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    /// The sudo command line sets no variable and asks sudo to keep none (both need SETENV),
    /// and the re-run gets back exactly the user's arguments and time zone.
    #[test]
    fn the_sudo_command_line_needs_no_setenv_and_round_trips() {
        let user = os(&["commands", "--live", "--json"]);
        let tz = OsString::from("Europe/Paris");
        let sudo = sudo_arguments(OsStr::new("/usr/local/bin/knox"), &user, Some(&tz));
        assert_eq!(
            sudo,
            os(&[
                "--",
                "/usr/local/bin/knox",
                "--sudo-reexec",
                "--sudo-tz=Europe/Paris",
                "commands",
                "--live",
                "--json"
            ])
        );
        assert!(sudo
            .iter()
            .all(|a| !a.to_string_lossy().starts_with("--preserve-env")
                && !a.to_string_lossy().contains("KNOX")));
        // What the re-run sees: the program, then sudo's arguments after `--`.
        let (args, got_tz) = take_reexec_args(sudo[1..].to_vec());
        assert_eq!(&args[1..], &user[..]);
        assert_eq!(got_tz, Some(tz));
        // An ordinary run is left alone, even with the mark further on.
        let plain = os(&["knox", "praudit", "--sudo-reexec"]);
        assert_eq!(take_reexec_args(plain.clone()), (plain, None));
    }
}
