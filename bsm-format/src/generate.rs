//! A deterministic generator of realistic trails, for tests, the sample trails in `corpus/`, fuzz
//! seeds and benchmarks. The same seed always gives the same bytes. With [`Generator::truth`] it
//! also records what it emitted, so that tools can be checked against the truth exactly.
//!
//! Records follow the shapes xnu and FreeBSD write (FORMAT.md §4): exec with arguments and
//! environment, fork/vfork/posix_spawn, exit, open/read/write/close, socket/connect/bind/accept
//! over IPv4, IPv6 and UNIX sockets, failures with BSM errnos, rename, chmod, kill, and logins.

use crate::encode::{with_nul, RecordBuilder};
use crate::token::{
    Arg, Attr, Exit, File, Return, SockInet, SockUnix, Subject, TerminalId, Token, Width,
};
use crate::types::{Address, BsmErrno, EventType, Text, Time};

/// Event numbers the generator uses (OpenBSM numbering; shared by macOS for these).
pub mod events {
    pub const EXIT: u16 = 1;
    pub const FORK: u16 = 2;
    pub const UNLINK: u16 = 6;
    pub const CHMOD: u16 = 10;
    pub const KILL: u16 = 15;
    pub const EXECVE: u16 = 23;
    pub const VFORK: u16 = 25;
    pub const CONNECT: u16 = 32;
    pub const ACCEPT: u16 = 33;
    pub const BIND: u16 = 34;
    pub const RENAME: u16 = 42;
    pub const OPEN_R: u16 = 72;
    pub const OPEN_WC: u16 = 77;
    pub const OPEN_RW: u16 = 80;
    pub const CLOSE: u16 = 112;
    pub const SOCKET: u16 = 183;
    pub const READ: u16 = 192;
    pub const WRITE: u16 = 195;
    pub const LISTEN: u16 = 43140;
    pub const POSIX_SPAWN: u16 = 43190;
    pub const LOGIN: u16 = 6152;
    pub const LOGOUT: u16 = 6153;
}

/// Which header tokens the generated records use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderMix {
    /// header32 only, as kernels write by default.
    H32,
    /// header64 only.
    H64,
    /// header32_ex with an IPv4 or IPv6 host address.
    Ex,
    /// All four kinds.
    Mixed,
}

/// What one generated record was about (the truth for tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emitted {
    pub offset: u64,
    pub event: u16,
    pub pid: u32,
    /// The parent, for fork-like events the new child's pid is in `child`.
    pub ppid: u32,
    pub child: Option<u32>,
    pub auid: u32,
    pub euid: u32,
    pub success: bool,
    pub errno: u8,
    pub path: Option<Vec<u8>>,
    pub argv: Option<Vec<Vec<u8>>>,
    pub exit_status: Option<u32>,
    /// Remote or local socket address for network events, as text.
    pub socket: Option<String>,
}

#[derive(Debug, Clone)]
struct Proc {
    pid: u32,
    ppid: u32,
    auid: u32,
    uid: u32,
    gid: u32,
    sid: u32,
}

/// Deterministic trail generator.
#[derive(Debug, Clone)]
pub struct Generator {
    rng: u64,
    /// Milliseconds since the epoch.
    now: u64,
    procs: Vec<Proc>,
    next_pid: u32,
    headers: HeaderMix,
    env: bool,
    truth: Option<Vec<Emitted>>,
    written: u64,
}

const PROGRAMS: &[(&str, &[&str])] = &[
    ("/bin/ls", &["-la", "/tmp"]),
    ("/usr/bin/git", &["status", "--short"]),
    ("/usr/bin/make", &["-j2", "all"]),
    ("/usr/bin/cc", &["-O2", "-c", "main.c", "-o", "main.o"]),
    ("/bin/sh", &["-c", "echo hello, world"]),
    ("/usr/bin/ssh", &["-p", "22", "admin@example.org"]),
    ("/usr/bin/curl", &["-s", "https://example.org/index.html"]),
    ("/usr/sbin/cron", &[]),
    ("/usr/bin/python3", &["-m", "http.server", "8000"]),
    ("/usr/bin/grep", &["-r", "TODO", "."]),
    (
        "/usr/bin/tar",
        &["czf", "/tmp/backup.tgz", "/home/alice/My Documents"],
    ),
    ("/bin/echo", &["", "empty first argument"]),
];

const FILES: &[&str] = &[
    "/etc/passwd",
    "/etc/hosts",
    "/etc/ssh/sshd_config",
    "/var/log/system.log",
    "/tmp/build/main.o",
    "/home/alice/notes.txt",
    "/home/alice/My Documents/report.pdf",
    "/usr/lib/libSystem.B.dylib",
    "/private/var/db/.AppleSetupDone",
    "/tmp/sock.d/app.sock",
];

const FAILURES: &[u8] = &[2, 13, 1, 17, 9, 146, 145, 22];

/// Most processes running at once (see [`Generator::record`]).
const MAX_RUNNING: usize = 1000;

impl Generator {
    pub fn new(seed: u64) -> Generator {
        let mut g = Generator {
            rng: seed ^ 0x9e37_79b9_7f4a_7c15,
            now: 1_700_000_000_000,
            procs: Vec::new(),
            next_pid: 300,
            headers: HeaderMix::H32,
            env: true,
            truth: None,
            written: 0,
        };
        g.procs.push(Proc {
            pid: 1,
            ppid: 0,
            auid: u32::MAX,
            uid: 0,
            gid: 0,
            sid: 100000,
        });
        for _ in 0..4 {
            g.spawn_proc(1);
        }
        g
    }

    pub fn headers(mut self, h: HeaderMix) -> Generator {
        self.headers = h;
        self
    }

    /// Whether exec records carry exec_env tokens (default on).
    pub fn env(mut self, on: bool) -> Generator {
        self.env = on;
        self
    }

    /// Records the truth of each record emitted from now on.
    pub fn record_truth(mut self) -> Generator {
        self.truth = Some(Vec::new());
        self
    }

    /// What was emitted so far (empty unless [`Generator::record_truth`] was called).
    pub fn truth(&self) -> &[Emitted] {
        self.truth.as_deref().unwrap_or(&[])
    }

    fn next(&mut self) -> u64 {
        // splitmix64
        self.rng = self.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'x, T>(&mut self, v: &'x [T]) -> &'x T {
        &v[self.below(v.len() as u64) as usize]
    }

    fn spawn_proc(&mut self, ppid: u32) -> u32 {
        let pid = self.next_pid;
        self.next_pid += 1 + self.below(3) as u32;
        let parent = self.procs.iter().find(|p| p.pid == ppid).cloned();
        let (auid, uid, gid, sid) = match parent {
            Some(p) if p.pid != 1 => (p.auid, p.uid, p.gid, p.sid),
            _ => {
                let users = [(501, 20), (1000, 1000), (0, 0), (1001, 20)];
                let (u, g) = *self.pick(&users);
                (u, u, g, 100001 + self.below(4) as u32)
            }
        };
        self.procs.push(Proc {
            pid,
            ppid,
            auid,
            uid,
            gid,
            sid,
        });
        pid
    }

    fn subject(&self, p: &Proc) -> Subject {
        Subject {
            width: Width::W32,
            ex: false,
            auid: p.auid,
            euid: p.uid,
            egid: p.gid,
            ruid: p.uid,
            rgid: p.gid,
            pid: p.pid,
            sid: p.sid,
            tid: TerminalId {
                port: 0,
                addr: Address::V4([0, 0, 0, 0]),
            },
        }
    }

    fn builder(&mut self, event: u16) -> RecordBuilder {
        self.now += 1 + self.below(40);
        let time = Time::new(self.now / 1000, self.now % 1000);
        let b = RecordBuilder::new(EventType(event), time);
        let kind = match self.headers {
            HeaderMix::Mixed => self.below(4),
            HeaderMix::H32 => 0,
            HeaderMix::H64 => 1,
            HeaderMix::Ex => 2 + self.below(2),
        };
        match kind {
            0 => b,
            1 => b.header64(),
            2 => b.host(Address::V4([192, 0, 2, 1])),
            _ => b.host(Address::V6([
                0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
            ])),
        }
    }

    fn finish(
        &mut self,
        b: &mut RecordBuilder,
        p: &Proc,
        errno: u8,
        value: u32,
        out: &mut Vec<u8>,
        mut e: Emitted,
    ) {
        b.push(&Token::Subject(self.subject(p)));
        b.push(&Token::Return(Return {
            width: Width::W32,
            errno: BsmErrno(errno),
            value: if errno == 0 {
                value as u64
            } else {
                u32::MAX as u64
            },
        }));
        let start = out.len();
        b.finish_into(out);
        let len = (out.len() - start) as u64;
        if let Some(t) = self.truth.as_mut() {
            e.offset = self.written;
            e.pid = p.pid;
            e.ppid = p.ppid;
            e.auid = p.auid;
            e.euid = p.uid;
            e.success = errno == 0;
            e.errno = errno;
            t.push(e);
        }
        self.written += len;
    }

    fn attr(&mut self, mode: u32, p: &Proc) -> Token<'static> {
        Token::Attr(Attr {
            width: Width::W32,
            mode,
            uid: p.uid,
            gid: p.gid,
            fsid: 16777220,
            nodeid: 1000 + self.below(1_000_000),
            device: 0,
        })
    }

    fn empty(event: u16) -> Emitted {
        Emitted {
            offset: 0,
            event,
            pid: 0,
            ppid: 0,
            child: None,
            auid: 0,
            euid: 0,
            success: true,
            errno: 0,
            path: None,
            argv: None,
            exit_status: None,
            socket: None,
        }
    }

    fn failure(&mut self, one_in: u64) -> u8 {
        if self.below(one_in) == 0 {
            *self.pick(FAILURES)
        } else {
            0
        }
    }

    /// Appends one record to `out`.
    pub fn record(&mut self, out: &mut Vec<u8>) {
        if self.procs.len() < 3 {
            self.spawn_proc(1);
        }
        let idx = 1 + self.below(self.procs.len() as u64 - 1) as usize;
        let p = self.procs[idx].clone();
        // Forks outnumber exits, so without a bound the number of running processes would
        // grow with the trail, which no kernel allows (macOS's kern.maxproc is a few thousand):
        // above MAX_RUNNING, every other record is an exit.
        let roll = if self.procs.len() > MAX_RUNNING && self.below(2) == 0 {
            22
        } else {
            self.below(100)
        };
        match roll {
            0..=9 => self.fork(&p, out),
            10..=18 => self.exec(&p, out, false),
            19..=21 => self.exec(&p, out, true),
            22..=27 => self.exit(idx, &p, out),
            28..=51 => self.open(&p, out),
            52..=65 => self.read_write_close(&p, out),
            66..=79 => self.network(&p, out),
            80..=87 => self.file_change(&p, out),
            88..=92 => self.kill(&p, out),
            _ => self.login(&p, out),
        }
    }

    fn fork(&mut self, p: &Proc, out: &mut Vec<u8>) {
        let event = *self.pick(&[events::FORK, events::FORK, events::VFORK]);
        let child = self.spawn_proc(p.pid);
        let mut b = self.builder(event);
        b.push(&Token::Arg(Arg {
            width: Width::W32,
            argno: 0,
            value: child as u64,
            text: Text(b"child PID\0"),
        }));
        let mut e = Self::empty(event);
        e.child = Some(child);
        self.finish(&mut b, p, 0, child, out, e);
    }

    /// execve, or posix_spawn (`spawn`): the parent's record of a new child running the program.
    fn exec(&mut self, p: &Proc, out: &mut Vec<u8>, spawn: bool) {
        let (prog, args) = *self.pick(PROGRAMS);
        let mut argv: Vec<Vec<u8>> =
            vec![prog.rsplit('/').next().unwrap_or(prog).as_bytes().to_vec()];
        argv.extend(args.iter().map(|a| a.as_bytes().to_vec()));
        if self.below(50) == 0 {
            // A long command line (more than praudit's 128 shown arguments).
            argv.extend((0..150).map(|i| format!("file{i}.c").into_bytes()));
        }
        let errno = self.failure(12);
        let event = if spawn {
            events::POSIX_SPAWN
        } else {
            events::EXECVE
        };
        let child = if spawn && errno == 0 {
            Some(self.spawn_proc(p.pid))
        } else {
            None
        };
        let mut b = self.builder(event);
        if spawn {
            b.push(&Token::Arg(Arg {
                width: Width::W32,
                argno: 0,
                value: child.unwrap_or(0) as u64,
                text: Text(b"child PID\0"),
            }));
        }
        let mut tok = Vec::new();
        crate::token::StringList::encode_strings(0x3c, &argv, &mut tok);
        if self.env {
            let home = format!("HOME=/home/u{}", p.uid);
            let env: [&[u8]; 3] = [
                b"PATH=/usr/bin:/bin:/usr/sbin",
                home.as_bytes(),
                b"LANG=en_US.UTF-8",
            ];
            crate::token::StringList::encode_strings(0x3d, &env, &mut tok);
        }
        b.push_raw(&tok);
        let path = with_nul(prog);
        b.push(&Token::Path(Text(&path)));
        if errno == 0 {
            let a = self.attr(0o100755, p);
            b.push(&a);
        }
        let mut e = Self::empty(event);
        e.path = Some(prog.as_bytes().to_vec());
        e.argv = Some(argv);
        e.child = child;
        self.finish(&mut b, p, errno, 0, out, e);
    }

    fn exit(&mut self, idx: usize, p: &Proc, out: &mut Vec<u8>) {
        let status = *self.pick(&[0, 0, 0, 1, 2, 127]);
        let mut b = self.builder(events::EXIT);
        b.push(&Token::Exit(Exit { status, retval: 0 }));
        let mut e = Self::empty(events::EXIT);
        e.exit_status = Some(status);
        self.finish(&mut b, p, 0, 0, out, e);
        self.procs.remove(idx);
    }

    fn open(&mut self, p: &Proc, out: &mut Vec<u8>) {
        let path = *self.pick(FILES);
        let (event, flags) = *self.pick(&[
            (events::OPEN_R, 0u32),
            (events::OPEN_R, 0),
            (events::OPEN_WC, 0x601),
            (events::OPEN_RW, 0x2),
        ]);
        let errno = self.failure(6);
        let mut b = self.builder(event);
        if event == events::OPEN_WC {
            b.push(&Token::Arg(Arg {
                width: Width::W32,
                argno: 3,
                value: 0o644,
                text: Text(b"mode\0"),
            }));
        }
        b.push(&Token::Arg(Arg {
            width: Width::W32,
            argno: 2,
            value: flags as u64,
            text: Text(b"flags\0"),
        }));
        let pb = with_nul(path);
        b.push(&Token::Path(Text(&pb)));
        if errno == 0 {
            let a = self.attr(0o100644, p);
            b.push(&a);
        }
        let fd = 3 + self.below(20) as u32;
        let mut e = Self::empty(event);
        e.path = Some(path.as_bytes().to_vec());
        self.finish(&mut b, p, errno, fd, out, e);
    }

    fn read_write_close(&mut self, p: &Proc, out: &mut Vec<u8>) {
        let path = *self.pick(FILES);
        let event = *self.pick(&[events::READ, events::WRITE, events::CLOSE]);
        let fd = 3 + self.below(20) as u32;
        let errno = self.failure(20);
        let mut b = self.builder(event);
        let pb = with_nul(path);
        if event == events::CLOSE {
            b.push(&Token::Arg(Arg {
                width: Width::W32,
                argno: 1,
                value: fd as u64,
                text: Text(b"fd\0"),
            }));
            b.push(&Token::Path(Text(&pb)));
        } else {
            b.push(&Token::Path(Text(&pb)));
            b.push(&Token::Arg(Arg {
                width: Width::W32,
                argno: 1,
                value: fd as u64,
                text: Text(b"fd\0"),
            }));
        }
        let a = self.attr(0o100644, p);
        b.push(&a);
        let mut e = Self::empty(event);
        e.path = Some(path.as_bytes().to_vec());
        let n = self.below(65536) as u32;
        self.finish(
            &mut b,
            p,
            errno,
            if event == events::CLOSE { 0 } else { n },
            out,
            e,
        );
    }

    fn network(&mut self, p: &Proc, out: &mut Vec<u8>) {
        let event = *self.pick(&[
            events::SOCKET,
            events::CONNECT,
            events::CONNECT,
            events::BIND,
            events::ACCEPT,
            events::LISTEN,
        ]);
        let errno = if event == events::CONNECT {
            self.failure(5)
        } else {
            0
        };
        let fd = 3 + self.below(20) as u32;
        let mut b = self.builder(event);
        let mut e = Self::empty(event);
        if event == events::SOCKET {
            for (n, text, v) in [
                (1u8, &b"domain\0"[..], 2u32),
                (2, b"type\0", 2),
                (3, b"protocol\0", 0),
            ] {
                b.push(&Token::Arg(Arg {
                    width: Width::W32,
                    argno: n,
                    value: v as u64,
                    text: Text(text),
                }));
            }
            return self.finish(&mut b, p, 0, fd, out, e);
        }
        b.push(&Token::Arg(Arg {
            width: Width::W32,
            argno: 1,
            value: fd as u64,
            text: Text(b"fd\0"),
        }));
        let port = *self.pick(&[22u16, 53, 80, 443, 8080, 5432]);
        let pb;
        match self.below(3) {
            0 => {
                let addr = [10, 0, self.below(4) as u8, 1 + self.below(250) as u8];
                b.push(&Token::SockInet(SockInet {
                    family: 2,
                    port: port.to_be_bytes(),
                    addr: Address::V4(addr),
                }));
                e.socket = Some(format!("{}:{port}", Address::V4(addr)));
            }
            1 => {
                let mut a = [0u8; 16];
                a[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
                a[15] = 1 + self.below(250) as u8;
                b.push(&Token::SockInet(SockInet {
                    family: 26,
                    port: port.to_be_bytes(),
                    addr: Address::V6(a),
                }));
                e.socket = Some(format!("[{}]:{port}", Address::V6(a)));
            }
            _ => {
                let path = *self.pick(&[
                    "/var/run/syslog",
                    "/tmp/sock.d/app.sock",
                    "/var/run/mDNSResponder",
                ]);
                b.push(&Token::SockUnix(SockUnix {
                    family: 1,
                    path: path.as_bytes(),
                }));
                pb = with_nul(path);
                b.push(&Token::Path(Text(&pb)));
                e.socket = Some(path.to_string());
                e.path = Some(path.as_bytes().to_vec());
            }
        }
        self.finish(&mut b, p, errno, 0, out, e);
    }

    fn file_change(&mut self, p: &Proc, out: &mut Vec<u8>) {
        let path = *self.pick(FILES);
        let event = *self.pick(&[events::RENAME, events::CHMOD, events::UNLINK]);
        let errno = self.failure(5);
        let mut b = self.builder(event);
        if event == events::CHMOD {
            b.push(&Token::Arg(Arg {
                width: Width::W32,
                argno: 2,
                value: 0o600,
                text: Text(b"new file mode\0"),
            }));
        }
        let pb = with_nul(path);
        b.push(&Token::Path(Text(&pb)));
        if errno == 0 {
            let a = self.attr(0o100644, p);
            b.push(&a);
        }
        let to;
        if event == events::RENAME {
            to = with_nul(format!("{path}.old"));
            b.push(&Token::Path(Text(&to)));
        }
        let mut e = Self::empty(event);
        e.path = Some(path.as_bytes().to_vec());
        self.finish(&mut b, p, errno, 0, out, e);
    }

    fn kill(&mut self, p: &Proc, out: &mut Vec<u8>) {
        let target = self.pick(&self.procs.clone()).clone();
        let errno = if target.uid != p.uid && p.uid != 0 {
            1
        } else {
            0
        };
        let mut b = self.builder(events::KILL);
        b.push(&Token::Arg(Arg {
            width: Width::W32,
            argno: 2,
            value: 15,
            text: Text(b"signal\0"),
        }));
        let mut s = self.subject(&target);
        s.ex = true;
        b.push(&Token::Process(s));
        self.finish(&mut b, p, errno, 0, out, Self::empty(events::KILL));
    }

    fn login(&mut self, p: &Proc, out: &mut Vec<u8>) {
        let ok = self.below(4) != 0;
        let event = if self.below(5) == 0 {
            events::LOGOUT
        } else {
            events::LOGIN
        };
        let mut b = self.builder(event);
        let text = if ok {
            with_nul(format!("successful login u{}", p.uid))
        } else {
            with_nul("bad password")
        };
        b.push(&Token::Text(Text(&text)));
        self.finish(
            &mut b,
            p,
            if ok { 0 } else { 1 },
            0,
            out,
            Self::empty(event),
        );
    }

    fn file_token(&mut self, out: &mut Vec<u8>, name: &str) {
        let n = with_nul(name);
        let t = Token::File(File {
            time: Time::new(self.now / 1000, 0),
            name: Text(&n),
        });
        let start = out.len();
        t.encode(out);
        self.written += (out.len() - start) as u64;
    }

    /// A whole trail file of `n` records, framed by `file` tokens like auditd's.
    pub fn trail(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::new();
        self.file_token(&mut out, "/var/audit/20231114221320.not_terminated");
        for _ in 0..n {
            self.record(&mut out);
        }
        self.file_token(&mut out, "/var/audit/20231114221320.20231114221420");
        out
    }

    /// Writes a trail of at least `bytes` bytes to `w`, in pieces (for big benchmark trails).
    pub fn write_trail(&mut self, w: &mut impl std::io::Write, bytes: u64) -> std::io::Result<u64> {
        let mut out = Vec::with_capacity(1 << 20);
        let mut records = 0u64;
        self.file_token(&mut out, "/var/audit/20231114221320.not_terminated");
        let mut total = 0u64;
        while total + out.len() as u64 <= bytes {
            self.record(&mut out);
            records += 1;
            if out.len() >= 1 << 20 {
                w.write_all(&out)?;
                total += out.len() as u64;
                out.clear();
            }
        }
        self.file_token(&mut out, "/var/audit/20231114221320.20231114221420");
        w.write_all(&out)?;
        Ok(records)
    }
}
