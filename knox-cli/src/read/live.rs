//! Opening the live audit stream for any command: `knox auditpipe`, and `--live` of the
//! reading tools.

use crate::error::Error;

/// Opens the audit pipe: says so at once where there is none, becomes root (sudo) if needed
/// (saying so on `err`), and drops root right after opening when installed setuid.
pub fn open_pipe(
    err: &mut dyn std::io::Write,
) -> Result<bsm_io::pipe::AuditPipe<impl bsm_io::pipe::Device>, Error> {
    if !bsm_io::system::LIVE_SUPPORTED {
        return Err(Error::System(bsm_io::system::UNSUPPORTED.to_string()));
    }
    #[cfg(unix)]
    let setuid =
        crate::read::privileges::ensure_root(err).map_err(|e| Error::System(e.to_string()))?;
    if let Some(os) = bsm_io::control::Os::HERE {
        let mut ctl = bsm_io::control::Control {
            k: bsm_io::control::System,
        };
        preflight(&mut ctl, os)?;
    }
    let pipe = bsm_io::system::open_pipe().map_err(|e| Error::System(e.to_string()))?;
    #[cfg(unix)]
    if setuid {
        bsm_io::system::drop_privileges()
            .map_err(|e| Error::System(format!("dropping root: {e}")))?;
    }
    Ok(pipe)
}

/// Refuses to wait on a pipe that will stay silent: when the kernel says auditing is not on
/// (macOS 14 and later ship with it off), the error says so and how to turn it on.
pub fn preflight<A: bsm_io::control::Auditon>(
    ctl: &mut bsm_io::control::Control<A>,
    os: bsm_io::control::Os,
) -> Result<(), Error> {
    match bsm_io::control::not_auditing(&ctl.condition(), os) {
        Some(note) => Err(Error::System(note)),
        None => Ok(()),
    }
}

/// Opens a pipe set up as `spec` says (local mode, flushed), as a byte stream.
pub fn open_stream(
    spec: &crate::read::input::LiveSpec,
    notes: &mut Vec<String>,
) -> std::io::Result<Box<dyn std::io::Read>> {
    let mut pipe =
        // Privileges were settled before reading began (the command line's `settings`), so
        // there is nothing left to say here.
        open_pipe(&mut std::io::sink())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::Unsupported, e.to_string()))?;
    let set = pipe.configure_local(spec.flags.into(), spec.naflags.into(), spec.qlimit)?;
    notes.extend(set.and_then(crate::read::auditpipe::queue_limit_note));
    if !spec.policy.is_empty() {
        let mut ctl = bsm_io::control::Control {
            k: bsm_io::control::System,
        };
        notes.extend(policy_note(ctl.policy(), spec.policy));
    }
    #[cfg(unix)]
    pipe.stop_on(bsm_io::system::stop_on_signals());
    Ok(Box::new(pipe))
}

/// What to say when the kernel's audit policy lacks what the tool needs (nothing when it has
/// it, or when the policy cannot be read: the pipe is open, so the run goes on either way).
pub fn policy_note(
    policy: std::io::Result<bsm_io::auditon::Policy>,
    needed: bsm_io::auditon::Policy,
) -> Option<String> {
    let missing = needed.difference(policy.ok()?);
    if missing.is_empty() {
        return None;
    }
    let names = missing.names();
    let what = match (
        missing.contains(bsm_io::auditon::Policy::ARGV),
        missing.contains(bsm_io::auditon::Policy::ARGE),
    ) {
        (true, true) => "no exec arguments or environment, so only paths are shown",
        (true, false) => "no exec arguments, so only paths are shown",
        _ => "no exec environment, so none is shown",
    };
    Some(format!(
        "the audit policy lacks {names}: the kernel writes {what} (turn it on with \
         `knox auditon policy --set {names}`)"
    ))
}

#[cfg(test)]
mod tests {
    use super::{policy_note, preflight};
    use bsm_io::auditon::Policy;
    use bsm_io::control::{Auditon, Control, Os};

    /// A kernel that answers A_GETCOND with a condition, or fails every call with an errno.
    struct Kernel(Result<i32, i32>);

    impl Auditon for Kernel {
        fn auditon(&mut self, cmd: i32, b: &mut [u8]) -> std::io::Result<()> {
            match (self.0, cmd) {
                (Err(errno), _) => Err(std::io::Error::from_raw_os_error(errno)),
                (Ok(c), bsm_io::auditon::cmd::A_GETCOND) => {
                    let v = (c as i64).to_ne_bytes();
                    let n = b.len();
                    b.copy_from_slice(&v[..n]);
                    Ok(())
                }
                _ => Err(std::io::Error::from_raw_os_error(22)),
            }
        }
    }

    #[test]
    fn a_mac_with_auditing_off_is_told_how_to_turn_it_on() {
        // AUC_AUDITING: nothing to say.
        assert!(preflight(&mut Control { k: Kernel(Ok(1)) }, Os::MacOs).is_ok());
        // Disabled (-1), never started (0), turned off (2), and a kernel without auditing
        // (ENOSYS): the steps of the man pages, and Apple's successor.
        for k in [Ok(-1), Ok(0), Ok(2), Err(78)] {
            let e = preflight(&mut Control { k: Kernel(k) }, Os::MacOs)
                .unwrap_err()
                .to_string();
            for step in [
                "disabled by default since macOS 14",
                "sudo cp /etc/security/audit_control.example /etc/security/audit_control",
                "sudo launchctl enable system/com.apple.auditd",
                "reboot",
                "Endpoint Security",
                "no record would arrive",
            ] {
                assert!(e.contains(step), "{k:?}: {e}");
            }
        }
        let e = preflight(&mut Control { k: Kernel(Ok(0)) }, Os::FreeBsd)
            .unwrap_err()
            .to_string();
        assert!(e.contains("service auditd onestart"), "{e}");
        // A condition that cannot be read for another reason (EPERM) does not stop the read.
        assert!(preflight(&mut Control { k: Kernel(Err(1)) }, Os::MacOs).is_ok());
    }

    #[test]
    fn a_missing_argv_policy_is_said_with_the_fix() {
        let note = policy_note(Ok(Policy::CNT), Policy::ARGV | Policy::ARGE).unwrap();
        assert!(
            note.starts_with("the audit policy lacks argv,arge"),
            "{note}"
        );
        assert!(
            note.contains("knox auditon policy --set argv,arge"),
            "{note}"
        );
        assert_eq!(
            policy_note(Ok(Policy::ARGV | Policy::CNT), Policy::ARGV),
            None
        );
        let unreadable = std::io::Error::from_raw_os_error(1);
        assert_eq!(policy_note(Err(unreadable), Policy::ARGV), None);
    }
}
