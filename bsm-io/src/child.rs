//! Commands knox runs for the user (`knox hunt --exec`), each in a process group of its own, so
//! that a command that outlives its time is stopped with everything it started: `sh -c` alone
//! would leave its children running, holding knox's stderr open.

use std::process::{Child, Command};

/// Starts `command` in a process group of its own (on Unix).
pub fn spawn_in_group(command: &mut Command) -> std::io::Result<Child> {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    command.spawn()
}

/// Kills a child started by [`spawn_in_group`] and every process of its group, and reaps it.
pub fn kill_group(child: &mut Child) {
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) takes no pointers; a negative pid names the group the child leads
        // (spawn_in_group made it the leader), which holds nothing but what it started.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn killing_the_group_stops_what_the_command_started() {
        // The shell starts a sleep that would hold the pipe open for a minute.
        let mut cmd = Command::new("/bin/sh");
        cmd.args(["-c", "sleep 60; echo late"])
            .stdout(std::process::Stdio::piped());
        let mut child = spawn_in_group(&mut cmd).unwrap();
        let mut out = child.stdout.take().unwrap();
        std::thread::sleep(Duration::from_millis(100));
        let t = Instant::now();
        kill_group(&mut child);
        // Every writer of the pipe is gone: reading ends at once, with nothing.
        let mut s = String::new();
        std::io::Read::read_to_string(&mut out, &mut s).unwrap();
        assert_eq!(s, "");
        assert!(t.elapsed() < Duration::from_secs(30), "{:?}", t.elapsed());
    }
}
