//! auditon(2) commands and policy flags. macOS and FreeBSD share the numbers up to 38 and
//! disagree from 39 on, so those are per system.

/// Command numbers shared by macOS and FreeBSD.
pub mod cmd {
    pub const A_OLDGETPOLICY: i32 = 2;
    pub const A_OLDSETPOLICY: i32 = 3;
    pub const A_GETKMASK: i32 = 4;
    pub const A_SETKMASK: i32 = 5;
    pub const A_OLDGETQCTRL: i32 = 6;
    pub const A_OLDSETQCTRL: i32 = 7;
    pub const A_GETCWD: i32 = 8;
    pub const A_GETCAR: i32 = 9;
    pub const A_GETSTAT: i32 = 12;
    pub const A_SETSTAT: i32 = 13;
    pub const A_SETUMASK: i32 = 14;
    pub const A_SETSMASK: i32 = 15;
    pub const A_OLDGETCOND: i32 = 20;
    pub const A_OLDSETCOND: i32 = 21;
    pub const A_GETCLASS: i32 = 22;
    pub const A_SETCLASS: i32 = 23;
    pub const A_GETPINFO: i32 = 24;
    pub const A_SETPMASK: i32 = 25;
    pub const A_SETFSIZE: i32 = 26;
    pub const A_GETFSIZE: i32 = 27;
    pub const A_GETPINFO_ADDR: i32 = 28;
    pub const A_GETKAUDIT: i32 = 29;
    pub const A_SETKAUDIT: i32 = 30;
    pub const A_SENDTRIGGER: i32 = 31;
    pub const A_GETSINFO_ADDR: i32 = 32;
    pub const A_GETPOLICY: i32 = 33;
    pub const A_SETPOLICY: i32 = 34;
    pub const A_GETQCTRL: i32 = 35;
    pub const A_SETQCTRL: i32 = 36;
    pub const A_GETCOND: i32 = 37;
    pub const A_SETCOND: i32 = 38;

    /// macOS only.
    pub mod macos {
        pub const A_GETSFLAGS: i32 = 39;
        pub const A_SETSFLAGS: i32 = 40;
        pub const A_GETCTLMODE: i32 = 41;
        pub const A_SETCTLMODE: i32 = 42;
        pub const A_GETEXPAFTER: i32 = 43;
        pub const A_SETEXPAFTER: i32 = 44;
    }

    /// FreeBSD only.
    pub mod freebsd {
        pub const A_GETEVENT: i32 = 39;
        pub const A_SETEVENT: i32 = 40;
    }
}

bitflags::bitflags! {
    /// Audit policy (A_GETPOLICY / A_SETPOLICY).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Policy: u32 {
        const CNT = 0x1;
        const AHLT = 0x2;
        /// Write exec_args tokens (what `knox commands` needs live).
        const ARGV = 0x4;
        /// Write exec_env tokens.
        const ARGE = 0x8;
        const SEQ = 0x10;
        const WINDATA = 0x20;
        const USER = 0x40;
        const GROUP = 0x80;
        const TRAIL = 0x100;
        const PATH = 0x200;
        const SCNT = 0x400;
        const PUBLIC = 0x800;
        const ZONENAME = 0x1000;
        const PERZONE = 0x2000;
    }
}

impl Policy {
    /// The bits A_SETPOLICY takes on macOS and FreeBSD (any other is EINVAL); A_GETPOLICY
    /// reports only these.
    pub const SETTABLE: Policy = Policy::CNT
        .union(Policy::AHLT)
        .union(Policy::ARGV)
        .union(Policy::ARGE);

    /// Refuses bits the kernels do not take, naming them.
    pub fn check_settable(self) -> Result<(), String> {
        let other = self.difference(Policy::SETTABLE);
        if other.is_empty() {
            return Ok(());
        }
        Err(format!(
            "{} cannot be set: the macOS and FreeBSD kernels take only cnt, ahlt, argv and arge",
            other.names()
        ))
    }

    /// Names as auditconfig and audit_control(5) write them.
    pub const NAMES: [(&'static str, Policy); 14] = [
        ("cnt", Policy::CNT),
        ("ahlt", Policy::AHLT),
        ("argv", Policy::ARGV),
        ("arge", Policy::ARGE),
        ("seq", Policy::SEQ),
        ("windata", Policy::WINDATA),
        ("user", Policy::USER),
        ("group", Policy::GROUP),
        ("trail", Policy::TRAIL),
        ("path", Policy::PATH),
        ("scnt", Policy::SCNT),
        ("public", Policy::PUBLIC),
        ("zonename", Policy::ZONENAME),
        ("perzone", Policy::PERZONE),
    ];

    /// Parses `cnt,argv,+arge` style lists (a leading `+` or `-` is ignored here: callers that
    /// add or remove decide what to do with the result).
    pub fn parse(s: &str) -> Result<Policy, String> {
        let mut p = Policy::empty();
        for name in s
            .split(',')
            .map(|n| n.trim().trim_start_matches(['+', '-']))
            .filter(|n| !n.is_empty())
        {
            let (_, bit) = Policy::NAMES
                .iter()
                .find(|(n, _)| *n == name)
                .ok_or_else(|| format!("unknown audit policy {name:?}"))?;
            p |= *bit;
        }
        Ok(p)
    }

    /// The names of the set bits, comma-separated.
    pub fn names(self) -> String {
        Policy::NAMES
            .iter()
            .filter(|(_, b)| self.contains(*b))
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_parse_and_print() {
        let p = Policy::parse("argv,arge,cnt").unwrap();
        assert_eq!(p.bits(), 0x4 | 0x8 | 0x1);
        assert_eq!(p.names(), "cnt,argv,arge");
        assert!(Policy::parse("argv,nonsense").is_err());
        assert!(p.check_settable().is_ok());
        let e = Policy::parse("argv,seq,path").unwrap().check_settable();
        assert!(e.unwrap_err().starts_with("seq,path cannot be set"));
    }
}
