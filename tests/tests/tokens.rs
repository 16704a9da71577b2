//! One test per token type, with bytes and values from the oracle's `tokens/` files (values as
//! libbsm's token printer showed them). The same expectations hold for the token inside the
//! matching `records/` file, through the slice iterator and the reader at every buffer size.

use bsm_format::token::{
    decode_one, Arg, ArgUuid, Attr, Data, Exit, File, Header, HeaderKind, Ipc, IpcPerm, Return,
    ReturnUuid, SockInet, SockUnix, Socket, SocketEx, Subject, TerminalId, Trailer, Width,
};
use bsm_format::{
    records, Address, BsmErrno, EventType, FrameOptions, Modifier, RecordReader, Text, Time, Token,
};
use knox_tests::{oracle, Trickle, CHUNKS};

type Check = fn(&Token) -> bool;

fn subject(width: Width, ex: bool, port: u64, addr: Address) -> Subject {
    Subject {
        width,
        ex,
        auid: 501,
        euid: 0,
        egid: 0,
        ruid: 501,
        rgid: 20,
        pid: 4242,
        sid: 100001,
        tid: TerminalId { port, addr },
    }
}

const V4_10: Address = Address::V4([192, 0, 2, 10]);
const V6_10: Address = Address::V6([
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
]);

fn strings(t: &Token, want: &[&[u8]]) -> bool {
    match t {
        Token::ExecArgs(l) | Token::ExecEnv(l) => {
            l.count as usize == want.len()
                && l.present == l.count
                && l.iter().eq(want.iter().copied())
        }
        _ => false,
    }
}

fn cases() -> Vec<(&'static str, Check)> {
    vec![
        ("0x11_file_basic", |t| {
            *t == Token::File(File {
                time: Time::new(1_700_000_000, 123),
                name: Text(b"/var/audit/20231114221320.not_terminated\0"),
            })
        }),
        (
            "0x11_file_empty_name",
            |t| matches!(t, Token::File(f) if f.name.bytes().is_empty()),
        ),
        ("0x13_trailer", |t| {
            *t == Token::Trailer(Trailer {
                magic: 0xb105,
                size: 0x12345678,
            })
        }),
        ("0x14_header32", |t| {
            *t == Token::Header(Header {
                kind: HeaderKind::Header32,
                size: 0x12345678,
                version: 11,
                event: EventType(72),
                modifier: Modifier::from_bits_retain(0x4567),
                host: None,
                time: Time::new(1_700_000_000, 123),
            })
        }),
        ("0x74_header64", |t| {
            matches!(t, Token::Header(h) if h.kind == HeaderKind::Header64 && h.size == 0x12345678
                && h.event == EventType(72) && h.time == Time::new(1_700_000_000, 123))
        }),
        ("0x21_data_hex_int32", |t| {
            matches!(t, Token::Data(Data { how_to_print: 3, unit_type: 2, count: 3, items })
                if items.len() == 12 && u32::from_le_bytes(items[4..8].try_into().unwrap()) == 0x12345678)
        }),
        (
            "0x21_data_hex_byte_zero_count",
            |t| matches!(t, Token::Data(d) if d.count == 0 && d.items.is_empty()),
        ),
        (
            "0x21_data_string_byte_text",
            |t| matches!(t, Token::Data(d) if d.items == b"SomeData a"),
        ),
        ("0x22_ipc_msg", |t| {
            *t == Token::Ipc(Ipc {
                kind: 1,
                id: 305419896,
            })
        }),
        ("0x22_ipc_type_unknown", |t| {
            *t == Token::Ipc(Ipc {
                kind: 9,
                id: u32::MAX,
            })
        }),
        ("0x23_path_basic", |t| {
            *t == Token::Path(Text(b"/etc/passwd\0"))
        }),
        ("0x23_path_embedded_nul", |t| {
            *t == Token::Path(Text(b"/a\0b/c\0"))
        }),
        ("0x23_path_no_nul", |t| *t == Token::Path(Text(b"/abc"))),
        ("0x23_path_len0", |t| *t == Token::Path(Text(b""))),
        (
            "0x23_path_long_1100",
            |t| matches!(t, Token::Path(p) if p.bytes().len() == 1100),
        ),
        ("0x24_subject32_basic", |t| {
            *t == Token::Subject(subject(Width::W32, false, 4660, V4_10))
        }),
        (
            "0x24_subject32_auid_unset",
            |t| matches!(t, Token::Subject(s) if s.auid == u32::MAX && s.pid == 1),
        ),
        ("0x26_process32_basic", |t| {
            *t == Token::Process(subject(Width::W32, false, 4660, V4_10))
        }),
        ("0x75_subject64_basic", |t| {
            *t == Token::Subject(subject(Width::W64, false, 0x123456789, V4_10))
        }),
        ("0x77_process64_basic", |t| {
            *t == Token::Process(subject(Width::W64, false, 0x123456789, V4_10))
        }),
        ("0x7a_subject32_ex_ipv4", |t| {
            *t == Token::Subject(subject(Width::W32, true, 4660, V4_10))
        }),
        ("0x7a_subject32_ex_ipv6", |t| {
            *t == Token::Subject(subject(Width::W32, true, 4660, V6_10))
        }),
        ("0x7b_process32_ex_ipv6", |t| {
            *t == Token::Process(subject(Width::W32, true, 4660, V6_10))
        }),
        ("0x7c_subject64_ex_ipv6", |t| {
            *t == Token::Subject(subject(Width::W64, true, 0x123456789, V6_10))
        }),
        ("0x7d_process64_ex_ipv4", |t| {
            *t == Token::Process(subject(Width::W64, true, 0x123456789, V4_10))
        }),
        ("0x27_return32_enoent", |t| {
            *t == Token::Return(Return {
                width: Width::W32,
                errno: BsmErrno(2),
                value: u32::MAX as u64,
            })
        }),
        ("0x27_return32_success_fd", |t| {
            *t == Token::Return(Return {
                width: Width::W32,
                errno: BsmErrno(0),
                value: 3,
            })
        }),
        ("0x72_return64_big", |t| {
            *t == Token::Return(Return {
                width: Width::W64,
                errno: BsmErrno(0),
                value: 0xffff800012345678,
            })
        }),
        ("0x28_text_commas", |t| *t == Token::Text(Text(b"a,b,,c\0"))),
        (
            "0x28_text_high_bytes",
            |t| matches!(t, Token::Text(x) if x.bytes().ends_with(b" end")),
        ),
        ("0x29_opaque_16", |t| {
            *t == Token::Opaque(&[
                0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
                0xee, 0xff,
            ])
        }),
        ("0x29_opaque_0", |t| *t == Token::Opaque(&[])),
        ("0x2a_in_addr_basic", |t| {
            *t == Token::InAddr([192, 168, 1, 10])
        }),
        ("0x7e_in_addr_ex_ipv4", |t| {
            *t == Token::InAddrEx(Address::V4([192, 0, 2, 99]))
        }),
        ("0x7e_in_addr_ex_ipv6_loopback", |t| {
            *t == Token::InAddrEx(Address::V6([
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
            ]))
        }),
        ("0x2b_ip_basic", |t| {
            matches!(t, Token::Ip(ip) if ip.version_ihl() == 0x45 && ip.tos() == 0x10 && ip.len() == 60
                && ip.id() == 54321 && ip.offset() == 0x4000 && ip.ttl() == 64 && ip.protocol() == 6
                && ip.checksum() == 48879 && ip.src() == Address::V4([10, 0, 0, 1]) && ip.dst() == Address::V4([10, 0, 0, 2]))
        }),
        ("0x2c_iport_80", |t| *t == Token::Iport(80)),
        ("0x2d_arg32_flags", |t| {
            *t == Token::Arg(Arg {
                width: Width::W32,
                argno: 2,
                value: 0x601,
                text: Text(b"flags\0"),
            })
        }),
        (
            "0x2d_arg32_empty_text_max",
            |t| matches!(t, Token::Arg(a) if a.argno == 255 && a.value == 0xffffffff && a.text.bytes().is_empty()),
        ),
        ("0x71_arg64_addr", |t| {
            *t == Token::Arg(Arg {
                width: Width::W64,
                argno: 1,
                value: 0xdeadbeefcafebabe,
                text: Text(b"addr\0"),
            })
        }),
        ("0x2e_socket_basic", |t| {
            *t == Token::Socket(Socket {
                socket_type: 2,
                local_port: 8080u16.to_be_bytes(),
                local_addr: Address::V4([127, 0, 0, 1]),
                remote_port: 51000u16.to_be_bytes(),
                remote_addr: Address::V4([10, 1, 2, 3]),
            })
        }),
        ("0x2f_seq_max", |t| *t == Token::Seq(u32::MAX)),
        ("0x32_ipc_perm_basic", |t| {
            *t == Token::IpcPerm(IpcPerm {
                uid: 0,
                gid: 0,
                cuid: 501,
                cgid: 20,
                mode: 0o600,
                seq: 7,
                key: 0x1234,
            })
        }),
        (
            "0x38_privset_basic",
            |t| matches!(t, Token::Privset(p) if p.set_type.bytes() == b"effective" && p.privs.bytes() == b"PRIV_VFS_READ,PRIV_VFS_WRITE"),
        ),
        (
            "0x39_upriv_failure",
            |t| matches!(t, Token::Upriv(u) if u.success == 0 && u.privilege.bytes() == b"PRIV_NET_RAW"),
        ),
        (
            "0x3b_newgroups_4",
            |t| matches!(t, Token::NewGroups(g) if g.iter().eq([0, 20, 501, 65534])),
        ),
        (
            "0x3b_newgroups_0",
            |t| matches!(t, Token::NewGroups(g) if g.is_empty()),
        ),
        (
            "0x3b_newgroups_20_overflow",
            |t| matches!(t, Token::NewGroups(g) if g.len() == 20 && g.iter().last() == Some(1019)),
        ),
        ("0x3c_exec_args_basic", |t| {
            strings(t, &[b"/bin/ls", b"-la", b"/tmp"])
        }),
        ("0x3c_exec_args_empty_strings", |t| {
            strings(t, &[b"sh", b"", b"-c", b""])
        }),
        ("0x3c_exec_args_zero", |t| strings(t, &[])),
        (
            "0x3c_exec_args_200",
            |t| matches!(t, Token::ExecArgs(l) if l.count == 200 && l.iter().count() == 200 && l.iter().nth(199) == Some(&b"arg199"[..])),
        ),
        ("0x3d_exec_env_basic", |t| {
            strings(
                t,
                &[
                    b"PATH=/usr/bin:/bin",
                    b"HOME=/root",
                    b"LANG=en_US.UTF-8",
                    b"PS1=\\u@\\h:\\w$ ",
                ],
            )
        }),
        ("0x3e_attr32_dir_user", |t| {
            *t == Token::Attr(Attr {
                width: Width::W32,
                mode: 0o40755,
                uid: 501,
                gid: 20,
                fsid: 1,
                nodeid: 2,
                device: 3,
            })
        }),
        (
            "0x3e_attr32_big_nodeid",
            |t| matches!(t, Token::Attr(a) if a.nodeid == u64::MAX),
        ),
        (
            "0x73_attr64_big_dev",
            |t| matches!(t, Token::Attr(a) if a.width == Width::W64 && a.device == u64::MAX && a.mode == 0o20666),
        ),
        ("0x52_exit_err", |t| {
            *t == Token::Exit(Exit {
                status: 2,
                retval: u32::MAX,
            })
        }),
        ("0x60_zonename_global", |t| {
            *t == Token::Zonename(Text(b"global\0"))
        }),
        ("0x7f_socket_ex_ipv4_tcp", |t| {
            *t == Token::SocketEx(SocketEx {
                domain: 2,
                socket_type: 2,
                local_port: 22u16.to_be_bytes(),
                local_addr: Address::V4([10, 0, 0, 1]),
                remote_port: 54321u16.to_be_bytes(),
                remote_addr: Address::V4([10, 0, 0, 2]),
            })
        }),
        (
            "0x7f_socket_ex_ipv6_udp",
            |t| matches!(t, Token::SocketEx(s) if s.domain == 26 && s.socket_type == 1 && s.remote_addr.to_string() == "2001:db8::53"),
        ),
        ("0x80_sockinet32_https", |t| {
            *t == Token::SockInet(SockInet {
                family: 2,
                port: 443u16.to_be_bytes(),
                addr: Address::V4([93, 184, 216, 34]),
            })
        }),
        (
            "0x81_sockinet128_https",
            |t| matches!(t, Token::SockInet(s) if s.family == 10 && s.port == 443u16.to_be_bytes() && s.addr.to_string() == "2001:db8::2"),
        ),
        ("0x82_sockunix_basic", |t| {
            *t == Token::SockUnix(SockUnix {
                family: 1,
                path: b"/var/run/syslog",
            })
        }),
        ("0x82_sockunix_empty", |t| {
            *t == Token::SockUnix(SockUnix {
                family: 1,
                path: b"",
            })
        }),
        (
            "0x82_sockunix_family_bsd_style",
            |t| matches!(t, Token::SockUnix(s) if s.family == 0x1e01 && s.path == b"/tmp/x"),
        ),
        (
            "0x82_sockunix_path_120_overflow",
            |t| matches!(t, Token::SockUnix(s) if s.path.len() == 119),
        ),
        ("0x84_arg_uuid_basic", |t| {
            *t == Token::ArgUuid(ArgUuid {
                argno: 4,
                uuid: [
                    0x53, 0xea, 0x62, 0x5a, 0x1c, 0xd4, 0xe6, 0x11, 0xc8, 0xa3, 0x25, 0x00, 0x9d,
                    0x4b, 0xb4, 0x9c,
                ],
                text: Text(b"test_arg_uuid_token\0"),
            })
        }),
        (
            "0x85_return_uuid_basic",
            |t| matches!(t, Token::ReturnUuid(ReturnUuid { status: 5, uuid, text }) if uuid[0] == 0x53 && text.bytes() == b"test_ret_uuid_token"),
        ),
        (
            "0x99_unknown_never_defined",
            |t| matches!(t, Token::Unknown { id, bytes } if id.0 == 0x99 && bytes == &[1, 2, 3, 4, 0xaa, 0xbb, 0xcc, 0xdd]),
        ),
        (
            "0x40_unknown_xatom",
            |t| matches!(t, Token::Unknown { id, .. } if id.0 == 0x40),
        ),
        ("0xed_identity_in_record", |t| {
            matches!(t, Token::Identity(i) if i.signer_type == 1 && i.signing_id.bytes() == b"com.apple.xpcd"
                && i.team_id.bytes().is_empty() && i.cdhash.len() == 20)
        }),
    ]
}

/// The id of the token a `.tok` file holds (its first byte).
fn first_token_id(name: &str, tok: &[u8]) -> u8 {
    *tok.first()
        .unwrap_or_else(|| panic!("{name}: empty token file"))
}

#[test]
fn every_token_type_decodes_to_the_oracle_values() {
    let Some(oracle) = oracle() else { return };
    let cases = cases();
    let mut ids = std::collections::BTreeSet::new();
    for (name, check) in &cases {
        let tok = std::fs::read(oracle.join("tokens").join(format!("{name}.tok"))).unwrap();
        let id = first_token_id(name, &tok);
        ids.insert(id);
        // The bare token bytes.
        let (t, used) = decode_one(&tok).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(check(&t), "{name}: bare token decoded as {t:?}");
        assert_eq!(used, tok.len(), "{name}: token length");
        let mut again = Vec::new();
        t.encode(&mut again);
        assert_eq!(again, tok, "{name}: re-encoding");

        // The same token inside its record, through the slice iterator and the reader.
        let Ok(data) = std::fs::read(oracle.join("records").join(format!("{name}.bsm"))) else {
            continue;
        };
        let in_record = |rec: bsm_format::Record| -> bool {
            rec.tokens()
                .filter_map(Result::ok)
                .any(|t| t.id().0 == id && check(&t))
        };
        assert!(
            records(&data).filter_map(Result::ok).any(in_record),
            "{name}: slice"
        );
        for chunk in CHUNKS {
            let mut r = RecordReader::with_options(
                Trickle {
                    data: &data,
                    n: chunk,
                },
                chunk,
                FrameOptions::default(),
            );
            let mut found = false;
            while let Some(rec) = r.next_record() {
                found |= rec.map(in_record).unwrap_or(false);
            }
            assert!(found, "{name}: reader with {chunk}-byte reads");
        }
    }
    // Every token id with a layout is covered, except the header kinds exercised by records.
    for id in [
        0x11u8, 0x13, 0x14, 0x21, 0x22, 0x23, 0x24, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d,
        0x2e, 0x2f, 0x32, 0x38, 0x39, 0x3b, 0x3c, 0x3d, 0x3e, 0x52, 0x60, 0x71, 0x72, 0x73, 0x74,
        0x75, 0x77, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f, 0x80, 0x81, 0x82, 0x84, 0x85, 0xed,
    ] {
        assert!(ids.contains(&id), "token id {id:#04x} has no case");
    }
}

#[test]
fn header_ex_and_64_bit_records_decode_their_headers() {
    let Some(oracle) = oracle() else { return };
    for (name, kind, host) in [
        ("0x15_header32_ex_ipv4", HeaderKind::Header32Ex, "192.0.2.1"),
        (
            "0x15_header32_ex_ipv6",
            HeaderKind::Header32Ex,
            "2001:db8::1",
        ),
        ("0x79_header64_ex_ipv4", HeaderKind::Header64Ex, "192.0.2.1"),
        (
            "0x79_header64_ex_ipv6",
            HeaderKind::Header64Ex,
            "2001:db8::1",
        ),
    ] {
        let data = std::fs::read(oracle.join("records").join(format!("{name}.bsm"))).unwrap();
        let h = records(&data)
            .next()
            .unwrap()
            .unwrap()
            .header()
            .unwrap()
            .unwrap();
        assert_eq!(h.kind, kind, "{name}");
        match h.host {
            Some(bsm_format::token::HostAddress::Ip(a)) => {
                assert_eq!(a.to_string(), host, "{name}")
            }
            other => panic!("{name}: {other:?}"),
        }
        assert_eq!(h.time, Time::new(1_700_000_000, 123), "{name}");
    }
    let data = std::fs::read(oracle.join("records/0x74_header64_time_gt_u32.bsm")).unwrap();
    assert_eq!(
        records(&data)
            .next()
            .unwrap()
            .unwrap()
            .header()
            .unwrap()
            .unwrap()
            .time
            .sec,
        0x1_0000_0010
    );
    let data = std::fs::read(oracle.join("records/0x15_header32_ex_adtype_invalid.bsm")).unwrap();
    let rec = records(&data).next().unwrap().unwrap();
    assert_eq!(
        rec.header().unwrap().unwrap().host,
        Some(bsm_format::token::HostAddress::Invalid(8))
    );
    assert!(rec.tokens().all(|t| t.is_ok()));
}
