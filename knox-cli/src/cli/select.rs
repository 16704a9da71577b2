//! The selection criteria on the command line: auditreduce's short flags (`knox auditreduce`)
//! and the same criteria as long options (`knox praudit`, `json`, `commands`, the reports), both
//! made from one list and resolved into a [`Spec`] for [`crate::read::filter`].

use crate::read::filter::Spec;

/// The selection criteria, each written once: its field and type, auditreduce's short flag, the
/// long flag of the other commands, the name of its value and its help in each style. From this
/// list come [`ReduceArgs`] (auditreduce's short flags) and [`SelectArgs`] (long flags, for
/// commands whose short flags are taken), each turned into a [`Spec`] field by field, so that a
/// criterion cannot be added to one and forgotten in another (or in `Spec`: the compiler says).
macro_rules! criteria {
    ($(
        $field:ident: $ty:ty, -$short:literal, --$long:literal, $value:literal,
        $reduce_help:literal, $select_help:literal;
    )*) => {
        /// auditreduce's flags (for `knox auditreduce`).
        #[derive(Debug, Clone, Default, clap::Args)]
        pub struct ReduceArgs {
            $(
                #[doc = $reduce_help]
                #[arg(short = $short, id = concat!("select_", stringify!($field)), value_name = $value)]
                pub $field: $ty,
            )*
            /// Invert the selection.
            #[arg(short = 'v', id = "select_invert")]
            pub invert: bool,
            /// Select all records (the default).
            #[arg(short = 'A')]
            pub all: bool,
        }

        /// The same criteria as long options, for commands whose short flags are taken.
        #[derive(Debug, Clone, Default, clap::Args)]
        #[command(next_help_heading = "Selecting records (as knox auditreduce)")]
        pub struct SelectArgs {
            $(
                #[arg(
                    long = $long,
                    id = concat!("select_", stringify!($field)),
                    value_name = $value,
                    help = concat!($select_help, " (auditreduce -", $short, ")")
                )]
                pub $field: $ty,
            )*
            /// Invert the selection (auditreduce -v).
            #[arg(long = "invert", id = "select_invert")]
            pub invert: bool,
        }

        impl ReduceArgs {
            /// The criteria, before names and dates are resolved.
            pub fn spec(&self) -> Spec {
                Spec { $($field: self.$field.clone(),)* invert: self.invert }
            }
        }

        impl SelectArgs {
            /// The criteria, before names and dates are resolved.
            pub fn spec(&self) -> Spec {
                Spec { $($field: self.$field.clone(),)* invert: self.invert }
            }
        }
    };
}

criteria! {
    after: Option<String>, -'a', --"after", "DATE",
        "Records at or after this time: yyyymmdd[hh[mm[ss]]] or RFC 3339 (local zone unless given).",
        "Records at or after this time: yyyymmdd[hh[mm[ss]]] or RFC 3339 as knox prints times, in the local zone unless it says";
    before: Option<String>, -'b', --"before", "DATE",
        "Records before this time, that second included: yyyymmdd[hh[mm[ss]]] or RFC 3339.",
        "Records before this local time";
    day: Option<String>, -'d', --"day", "DATE",
        "Records on this local day: yyyymmdd or 2023-11-14.",
        "Records on this local day: yyyymmdd or 2023-11-14";
    classes: Option<String>, -'c', --"class", "CLASSES",
        "Records of these event classes, as audit_control(5) writes them (lo,+fr,-fw,^fc).",
        "Records of these event classes";
    euid: Option<String>, -'e', --"euid", "EUID",
        "Records whose subject has this effective user (name or number).",
        "Subject's effective user";
    egid: Option<String>, -'f', --"egid", "EGID",
        "Records whose subject has this effective group.",
        "Subject's effective group";
    rgid: Option<String>, -'g', --"rgid", "RGID",
        "Records whose subject has this real group.",
        "Subject's real group";
    ruid: Option<String>, -'r', --"ruid", "RUID",
        "Records whose subject has this real user.",
        "Subject's real user";
    auid: Option<String>, -'u', --"auid", "AUID",
        "Records whose subject has this audit user.",
        "Subject's audit user";
    pid: Option<u32>, -'j', --"subject-pid", "PID",
        "Records whose subject is this process id.",
        "Subject's process id";
    events: Vec<String>, -'m', --"event", "EVENT",
        "Records of this event (name like AUE_EXECVE, or number; repeat or separate with commas).",
        "Events";
    objects: Vec<String>, -'o', --"object", "OBJ=VALUE",
        "Records about an object: file=REGEX[,~REGEX...], pid=, msgqid=, semid=, shmid=, sock=.",
        "Objects: file=REGEX, pid=, msgqid=, semid=, shmid=, sock=";
    zone: Option<String>, -'z', --"zone", "ZONE",
        "Records of this zone (FreeBSD jail name).",
        "Zone";
}
