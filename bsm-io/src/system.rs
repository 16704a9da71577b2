//! The real audit facility: `/dev/auditpipe` and auditon(2). Only macOS and FreeBSD have them;
//! elsewhere every entry point exists and returns [`Error::Unsupported`] with what to do instead.
//!
//! The BSD code is small and compiled on Linux too with the `bsd-typecheck` feature
//! (`cargo check -p bsm-io --features bsd-typecheck`), so that it cannot rot unseen; it is never
//! called there.

use std::io;

use crate::pipe::AuditPipe;

/// Why a live operation could not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Unsupported(&'static str),
    #[error("{what}: {source}")]
    Io {
        what: &'static str,
        #[source]
        source: io::Error,
    },
}

/// What to tell users of other systems.
pub const UNSUPPORTED: &str = "live auditing needs macOS or FreeBSD (/dev/auditpipe, auditon(2)); \
on this system read copied trails instead, e.g. `knox praudit /path/to/var/audit`, or follow a trail \
directory shared from the audited machine with --follow";

/// Whether this build can talk to a real audit facility.
pub const LIVE_SUPPORTED: bool = cfg!(any(target_os = "macos", target_os = "freebsd"));

#[cfg(any(target_os = "macos", target_os = "freebsd", feature = "bsd-typecheck"))]
pub mod bsd {
    //! `/dev/auditpipe` as a file, ioctls through libc, and auditon(2).
    use std::fs::File;
    use std::io::{self, Read};
    use std::os::fd::AsRawFd;

    use crate::pipe::Device;

    /// The audit pipe device path.
    pub const AUDITPIPE: &str = "/dev/auditpipe";

    /// An open `/dev/auditpipe`.
    pub struct PipeFile(pub File);

    impl Read for PipeFile {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.0.read(buf)
        }
    }

    impl Device for PipeFile {
        fn ioctl(&mut self, request: u32, arg: &mut [u8]) -> io::Result<()> {
            let ptr = if arg.is_empty() {
                std::ptr::null_mut()
            } else {
                arg.as_mut_ptr()
            };
            // SAFETY: the descriptor is open for the life of `self`; `ptr` is null for requests
            // without an argument, else points at `arg`, which holds as many bytes as the
            // request's encoded length (the callers in pipe.rs size it from the same type).
            let rc = unsafe { libc::ioctl(self.0.as_raw_fd(), request as _, ptr) };
            if rc == -1 {
                Err(io::Error::last_os_error())
            } else {
                Ok(())
            }
        }
    }

    extern "C" {
        /// `int auditon(int cmd, void *data, int length)`: the length is an `int` in the
        /// headers of both macOS and FreeBSD.
        fn auditon(cmd: libc::c_int, data: *mut libc::c_void, length: libc::c_int) -> libc::c_int;
    }

    /// Calls auditon(2) with a buffer the kernel reads and/or writes.
    pub fn auditon_raw(cmd: i32, data: &mut [u8]) -> io::Result<()> {
        let length = libc::c_int::try_from(data.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "auditon buffer too large"))?;
        // SAFETY: `data` is valid for reads and writes of `data.len()` bytes, which is the
        // length passed; the kernel touches no more than that.
        let rc = unsafe { auditon(cmd, data.as_mut_ptr().cast(), length) };
        if rc == -1 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }
}

/// Opens `/dev/auditpipe` (a new, independent copy of the audit stream).
#[cfg(any(target_os = "macos", target_os = "freebsd"))]
pub fn open_pipe() -> Result<AuditPipe<bsd::PipeFile>, Error> {
    let f = std::fs::File::open(bsd::AUDITPIPE).map_err(|source| Error::Io {
        what: "opening /dev/auditpipe (root is needed)",
        source,
    })?;
    Ok(AuditPipe::new(bsd::PipeFile(f)))
}

/// Opens `/dev/auditpipe`: not on this system.
#[cfg(not(any(target_os = "macos", target_os = "freebsd")))]
pub fn open_pipe() -> Result<AuditPipe<NoDevice>, Error> {
    Err(Error::Unsupported(UNSUPPORTED))
}

/// auditon(2) with a byte buffer.
pub fn auditon(cmd: i32, data: &mut [u8]) -> Result<(), Error> {
    #[cfg(any(target_os = "macos", target_os = "freebsd"))]
    {
        bsd::auditon_raw(cmd, data).map_err(|source| Error::Io {
            what: "auditon",
            source,
        })
    }
    #[cfg(not(any(target_os = "macos", target_os = "freebsd")))]
    {
        let _ = (cmd, data);
        Err(Error::Unsupported(UNSUPPORTED))
    }
}

/// Sets the returned flag on SIGINT or SIGTERM (instead of dying), so that a tool can report
/// and exit cleanly. The handler only stores to an atomic; reads blocked in the kernel return
/// EINTR because the handler is installed without SA_RESTART. It is installed for one signal
/// only (SA_RESETHAND): a second Ctrl-C ends a run that does not end by itself.
#[cfg(unix)]
pub fn stop_on_signals() -> std::sync::Arc<std::sync::atomic::AtomicBool> {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, OnceLock};
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    extern "C" fn handler(_: libc::c_int) {
        if let Some(f) = FLAG.get() {
            f.store(true, Ordering::Relaxed);
        }
    }
    let flag = FLAG
        .get_or_init(|| Arc::new(AtomicBool::new(false)))
        .clone();
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: `sa` is fully initialised (zeroed, then the handler set); the handler only
        // loads an initialised OnceLock and stores to an atomic, both async-signal-safe.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = handler as extern "C" fn(libc::c_int) as usize;
            sa.sa_flags = libc::SA_RESETHAND;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
    flag
}

/// The device type on systems without auditpipe (never constructed).
pub enum NoDevice {}

impl io::Read for NoDevice {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        match *self {}
    }
}

impl crate::pipe::Device for NoDevice {
    fn ioctl(&mut self, _: u32, _: &mut [u8]) -> io::Result<()> {
        match *self {}
    }
}

/// Whether the process runs with root's effective uid.
#[cfg(unix)]
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Whether the real uid is root (false for a setuid-root program run by a user).
#[cfg(unix)]
pub fn is_real_root() -> bool {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() == 0 }
}

/// For a setuid-root install: after the device is open, give up root for good (real uid and
/// gid back), before any record is decoded.
#[cfg(unix)]
pub fn drop_privileges() -> io::Result<()> {
    // SAFETY: getuid/getgid have no preconditions; setgid/setuid only change this process's
    // credentials and report failure through their return value.
    unsafe {
        let (uid, gid) = (libc::getuid(), libc::getgid());
        if libc::geteuid() == uid {
            return Ok(());
        }
        if libc::setgid(gid) != 0 || libc::setuid(uid) != 0 {
            return Err(io::Error::last_os_error());
        }
        // Must not be able to get root back.
        if libc::setuid(0) == 0 {
            return Err(io::Error::other("privileges could not be dropped"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[cfg(not(any(target_os = "macos", target_os = "freebsd")))]
    #[test]
    fn other_systems_say_what_to_do_instead() {
        let e = super::open_pipe().err().unwrap();
        assert!(matches!(e, super::Error::Unsupported(_)));
        assert!(e.to_string().contains("read copied trails"), "{e}");
        assert!(matches!(
            super::auditon(33, &mut [0; 4]),
            Err(super::Error::Unsupported(_))
        ));
    }
}
