//! Opening the live audit stream for any command: `knox auditpipe`, and `--live` of the
//! reading tools.

/// Opens the audit pipe: says so at once where there is none, becomes root (sudo) if needed,
/// and drops root right after opening when installed setuid.
pub fn open_pipe() -> Result<bsm_io::pipe::AuditPipe<impl bsm_io::pipe::Device>, String> {
    if !bsm_io::system::LIVE_SUPPORTED {
        return Err(bsm_io::system::UNSUPPORTED.to_string());
    }
    #[cfg(unix)]
    let setuid = crate::privileges::ensure_root().map_err(|e| e.to_string())?;
    let pipe = bsm_io::system::open_pipe().map_err(|e| e.to_string())?;
    #[cfg(unix)]
    if setuid {
        bsm_io::system::drop_privileges().map_err(|e| format!("dropping root: {e}"))?;
    }
    Ok(pipe)
}

/// Opens a pipe set up as `spec` says (local mode, flushed), as a byte stream.
pub fn open_stream(spec: &crate::input::LiveSpec) -> std::io::Result<Box<dyn std::io::Read>> {
    let mut pipe =
        open_pipe().map_err(|e| std::io::Error::new(std::io::ErrorKind::Unsupported, e))?;
    pipe.configure_local(spec.flags.into(), spec.naflags.into(), spec.qlimit)?;
    #[cfg(unix)]
    pipe.stop_on(bsm_io::system::stop_on_signals());
    Ok(Box::new(pipe))
}
