//! The `ocsf` table: one row per OCSF 1.8.0 event, built from the facts `knox_model::ocsf`
//! gives (the same ones the JSON Lines export writes). The loop's threads build everything a
//! record says by itself ([`Local`]); the two process objects, `actor.process` and `process`,
//! are built in input order from the process model ([`Processes`]).

use std::sync::Arc;

use arrow_array::builder::{
    Int32Builder, Int64Builder, ListBuilder, StringBuilder, TimestampMillisecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch, StructArray};
use arrow_buffer::{NullBuffer, NullBufferBuilder};
use arrow_schema::{DataType, Fields};
use bsm_format::Record;
use knox_model::ocsf::{
    basename, file_type, mapping_of, objects_of, process_of, status_of, user_of, Class, Device,
    FileFacts, Mapping, Program, PROFILES, VERSION,
};
use knox_model::{Act, Endpoint, Event, Host, Model, Process};

use crate::columns::{lossy, millis, Days};
use crate::model::Cache;
use crate::Context;

/// The child fields of a struct column of the OCSF schema, found by path.
fn fields_at(path: &[&str]) -> Fields {
    let schema = crate::schema::ocsf();
    let mut dt = schema
        .field_with_name(path[0])
        .map(|f| f.data_type().clone())
        .unwrap_or(DataType::Null);
    for p in &path[1..] {
        dt = match dt {
            DataType::Struct(fs) => fs
                .iter()
                .find(|f| f.name() == p)
                .map(|f| f.data_type().clone())
                .unwrap_or(DataType::Null),
            _ => DataType::Null,
        };
    }
    match dt {
        DataType::Struct(fs) => fs,
        _ => Fields::empty(),
    }
}

fn strukt(fields: Fields, children: Vec<ArrayRef>, nulls: Option<NullBuffer>) -> ArrayRef {
    Arc::new(StructArray::new(fields, children, nulls))
}

/// A user object's columns.
struct UserCols {
    valid: NullBufferBuilder,
    uid: StringBuilder,
    name: StringBuilder,
    type_id: Int32Builder,
}

impl UserCols {
    fn new(rows: usize) -> UserCols {
        UserCols {
            valid: NullBufferBuilder::new(rows),
            uid: StringBuilder::with_capacity(rows, rows * 8),
            name: StringBuilder::with_capacity(rows, rows * 8),
            type_id: Int32Builder::with_capacity(rows),
        }
    }

    fn append(&mut self, uid: Option<u32>, cx: &mut Context<'_>) {
        match uid {
            Some(uid) => {
                self.valid.append_non_null();
                // Ids as the kernel's signed ints: an unset audit user is -1.
                let mut digits = Vec::with_capacity(12);
                bsm_format::json::int(&mut digits, uid as i32 as i64);
                self.uid
                    .append_value(std::str::from_utf8(&digits).unwrap_or_default());
                self.name.append_option(cx.user_name(uid));
                self.type_id.append_value(if uid == 0 { 2 } else { 1 });
            }
            None => {
                self.valid.append_null();
                self.uid.append_null();
                self.name.append_null();
                self.type_id.append_null();
            }
        }
    }

    fn finish(&mut self, fields: Fields) -> ArrayRef {
        strukt(
            fields,
            vec![
                Arc::new(self.uid.finish()),
                Arc::new(self.name.finish()),
                Arc::new(self.type_id.finish()),
            ],
            self.valid.finish(),
        )
    }
}

/// A session object's columns.
struct SessionCols {
    valid: NullBufferBuilder,
    uid: StringBuilder,
}

impl SessionCols {
    fn new(rows: usize) -> SessionCols {
        SessionCols {
            valid: NullBufferBuilder::new(rows),
            uid: StringBuilder::with_capacity(rows, rows * 8),
        }
    }

    fn append(&mut self, sid: Option<u32>) {
        self.valid.append(sid.is_some());
        match sid {
            Some(sid) => {
                let mut digits = Vec::with_capacity(12);
                bsm_format::json::uint(&mut digits, sid as u64);
                self.uid
                    .append_value(std::str::from_utf8(&digits).unwrap_or_default());
            }
            None => self.uid.append_null(),
        }
    }

    fn finish(&mut self, fields: Fields) -> ArrayRef {
        strukt(
            fields,
            vec![Arc::new(self.uid.finish())],
            self.valid.finish(),
        )
    }
}

/// A file object's columns.
struct FileCols {
    valid: NullBufferBuilder,
    path: StringBuilder,
    name: StringBuilder,
    type_id: Int32Builder,
    owner: UserCols,
}

impl FileCols {
    fn new(rows: usize) -> FileCols {
        FileCols {
            valid: NullBufferBuilder::new(rows),
            path: StringBuilder::with_capacity(rows, rows * 8),
            name: StringBuilder::with_capacity(rows, rows * 8),
            type_id: Int32Builder::with_capacity(rows),
            owner: UserCols::new(rows),
        }
    }

    fn append(&mut self, f: Option<FileFacts<'_>>, cx: &mut Context<'_>) {
        match f {
            Some(f) => {
                self.valid.append_non_null();
                self.path.append_value(lossy(f.path));
                self.name.append_value(lossy(basename(f.path)));
                self.type_id
                    .append_value(file_type(f.attr.map(|a| a.mode)) as i32);
                self.owner.append(f.attr.map(|a| a.uid), cx);
            }
            None => {
                self.valid.append_null();
                self.path.append_null();
                self.name.append_null();
                self.type_id.append_null();
                self.owner.append(None, cx);
            }
        }
    }

    fn finish(&mut self, fields: Fields) -> ArrayRef {
        let owner = fields_of(&fields, "owner");
        strukt(
            fields,
            vec![
                Arc::new(self.path.finish()),
                Arc::new(self.name.finish()),
                Arc::new(self.type_id.finish()),
                self.owner.finish(owner),
            ],
            self.valid.finish(),
        )
    }
}

fn fields_of(fields: &Fields, name: &str) -> Fields {
    match fields
        .iter()
        .find(|f| f.name() == name)
        .map(|f| f.data_type())
    {
        Some(DataType::Struct(fs)) => fs.clone(),
        _ => Fields::empty(),
    }
}

/// A network endpoint's columns.
struct EndpointCols {
    valid: NullBufferBuilder,
    name: StringBuilder,
    ip: StringBuilder,
    port: Int32Builder,
    hostname: StringBuilder,
}

impl EndpointCols {
    fn new(rows: usize) -> EndpointCols {
        EndpointCols {
            valid: NullBufferBuilder::new(rows),
            name: StringBuilder::with_capacity(rows, rows * 8),
            ip: StringBuilder::with_capacity(rows, rows * 8),
            port: Int32Builder::with_capacity(rows),
            hostname: StringBuilder::with_capacity(rows, rows * 8),
        }
    }

    fn append(&mut self, e: Option<Endpoint<'_>>) {
        match e {
            Some(Endpoint::Inet { addr, port }) => {
                let ip = addr.to_string();
                self.valid.append_non_null();
                self.name.append_value(&ip);
                self.ip.append_value(&ip);
                self.port.append_value(port as i32);
            }
            Some(Endpoint::Unix(path)) => {
                self.valid.append_non_null();
                self.name.append_value(lossy(path));
                self.ip.append_null();
                self.port.append_null();
            }
            None => {
                self.valid.append_null();
                self.name.append_null();
                self.ip.append_null();
                self.port.append_null();
            }
        }
        self.hostname.append_null();
    }

    /// The device itself, for a call that names no address.
    fn device(&mut self, d: &Device<'_>) {
        let ip = d.ip.map(|a| a.to_string());
        self.valid.append_non_null();
        self.name.append_option(d.host.or(ip.as_deref()));
        self.ip.append_option(ip.as_deref());
        self.port.append_null();
        self.hostname.append_option(d.host);
    }

    fn finish(&mut self, fields: Fields) -> ArrayRef {
        strukt(
            fields,
            vec![
                Arc::new(self.name.finish()),
                Arc::new(self.ip.finish()),
                Arc::new(self.port.finish()),
                Arc::new(self.hostname.finish()),
            ],
            self.valid.finish(),
        )
    }
}

/// What the record says by itself, for every attribute but the two process objects.
pub(crate) struct Local {
    class_uid: Int32Builder,
    class_name: StringBuilder,
    category_uid: Int32Builder,
    category_name: StringBuilder,
    activity_id: Int32Builder,
    activity_name: StringBuilder,
    type_uid: Int64Builder,
    type_name: StringBuilder,
    severity_id: Int32Builder,
    severity: StringBuilder,
    time: TimestampMillisecondBuilder,
    status_id: Int32Builder,
    status: StringBuilder,
    status_code: StringBuilder,
    status_detail: StringBuilder,
    message: StringBuilder,
    // metadata
    m_version: StringBuilder,
    m_product_name: StringBuilder,
    m_product_vendor: StringBuilder,
    m_product_version: StringBuilder,
    m_profiles: ListBuilder<StringBuilder>,
    m_event_code: StringBuilder,
    m_log_name: StringBuilder,
    m_uid: StringBuilder,
    // device
    d_type_id: Int32Builder,
    d_name: StringBuilder,
    d_hostname: StringBuilder,
    d_ip: StringBuilder,
    // actor (its process comes from the model)
    actor: NullBufferBuilder,
    actor_user: UserCols,
    actor_session: SessionCols,
    exit_code: Int32Builder,
    file: FileCols,
    file_result: FileCols,
    src: EndpointCols,
    dst: EndpointCols,
    connection: NullBufferBuilder,
    direction_id: Int32Builder,
    user: UserCols,
    session: SessionCols,
    service: NullBufferBuilder,
    service_name: StringBuilder,
    log_name: StringBuilder,
    // unmapped.bsm
    u_file: StringBuilder,
    u_offset: Int64Builder,
    u_event: Int32Builder,
    u_event_name: StringBuilder,
    u_modifier: Int32Builder,
    days: Days,
    rows: usize,
    scratch: String,
}

impl Local {
    pub(crate) fn new(rows: usize) -> Local {
        Local {
            class_uid: Int32Builder::with_capacity(rows),
            class_name: StringBuilder::with_capacity(rows, rows * 8),
            category_uid: Int32Builder::with_capacity(rows),
            category_name: StringBuilder::with_capacity(rows, rows * 8),
            activity_id: Int32Builder::with_capacity(rows),
            activity_name: StringBuilder::with_capacity(rows, rows * 8),
            type_uid: Int64Builder::with_capacity(rows),
            type_name: StringBuilder::with_capacity(rows, rows * 8),
            severity_id: Int32Builder::with_capacity(rows),
            severity: StringBuilder::with_capacity(rows, rows * 8),
            time: TimestampMillisecondBuilder::with_capacity(rows).with_timezone("+00:00"),
            status_id: Int32Builder::with_capacity(rows),
            status: StringBuilder::with_capacity(rows, rows * 8),
            status_code: StringBuilder::with_capacity(rows, rows * 8),
            status_detail: StringBuilder::with_capacity(rows, rows * 8),
            message: StringBuilder::with_capacity(rows, rows * 8),
            m_version: StringBuilder::with_capacity(rows, rows * 8),
            m_product_name: StringBuilder::with_capacity(rows, rows * 8),
            m_product_vendor: StringBuilder::with_capacity(rows, rows * 8),
            m_product_version: StringBuilder::with_capacity(rows, rows * 8),
            m_profiles: ListBuilder::with_capacity(
                StringBuilder::with_capacity(rows, rows * 8),
                rows,
            ),
            m_event_code: StringBuilder::with_capacity(rows, rows * 8),
            m_log_name: StringBuilder::with_capacity(rows, rows * 8),
            m_uid: StringBuilder::with_capacity(rows, rows * 8),
            d_type_id: Int32Builder::with_capacity(rows),
            d_name: StringBuilder::with_capacity(rows, rows * 8),
            d_hostname: StringBuilder::with_capacity(rows, rows * 8),
            d_ip: StringBuilder::with_capacity(rows, rows * 8),
            actor: NullBufferBuilder::new(rows),
            actor_user: UserCols::new(rows),
            actor_session: SessionCols::new(rows),
            exit_code: Int32Builder::with_capacity(rows),
            file: FileCols::new(rows),
            file_result: FileCols::new(rows),
            src: EndpointCols::new(rows),
            dst: EndpointCols::new(rows),
            connection: NullBufferBuilder::new(rows),
            direction_id: Int32Builder::with_capacity(rows),
            user: UserCols::new(rows),
            session: SessionCols::new(rows),
            service: NullBufferBuilder::new(rows),
            service_name: StringBuilder::with_capacity(rows, rows * 8),
            log_name: StringBuilder::with_capacity(rows, rows * 8),
            u_file: StringBuilder::with_capacity(rows, rows * 8),
            u_offset: Int64Builder::with_capacity(rows),
            u_event: Int32Builder::with_capacity(rows),
            u_event_name: StringBuilder::with_capacity(rows, rows * 8),
            u_modifier: Int32Builder::with_capacity(rows),
            days: Days::with_capacity(rows),
            rows: 0,
            scratch: String::new(),
        }
    }

    /// Appends a record's event, of class and activity `map` on `device`.
    pub(crate) fn record(
        &mut self,
        cx: &mut Context<'_>,
        file: &str,
        (device, map): (&Device<'_>, Mapping),
        ev: &Event<&[u8]>,
    ) {
        use std::fmt::Write;
        let host = device.host;
        let device = *device;
        let (cat_uid, cat_name) = map.class.category();
        let info = cx.events.get(ev.event.0);
        self.days.push(ev.time);
        self.rows += 1;
        self.class_uid.append_value(map.class.uid() as i32);
        self.class_name.append_value(map.class.name());
        self.category_uid.append_value(cat_uid as i32);
        self.category_name.append_value(cat_name);
        self.activity_id.append_value(map.activity_id as i32);
        self.activity_name.append_value(map.activity_name);
        self.type_uid.append_value(map.type_uid() as i64);
        self.scratch.clear();
        let _ = write!(self.scratch, "{}: {}", map.class.name(), map.activity_name);
        self.type_name.append_value(&self.scratch);
        self.severity_id.append_value(1);
        self.severity.append_value("Informational");
        self.time.append_value(millis(ev.time));
        let status = status_of(ev);
        self.status_id.append_value(status.id as i32);
        self.status.append_value(status.name);
        self.status_code.append_option(status.code());
        self.status_detail.append_option(status.detail());
        self.message.append_value(knox_model::ocsf::message(
            ev,
            info.map(|e| e.description.as_str()),
        ));

        self.m_version.append_value(VERSION);
        self.m_product_name.append_value("knox");
        self.m_product_vendor.append_value("knox");
        self.m_product_version
            .append_value(env!("CARGO_PKG_VERSION"));
        for p in PROFILES {
            self.m_profiles.values().append_value(p);
        }
        self.m_profiles.append(true);
        self.m_event_code
            .append_option(info.map(|e| e.name.as_str()));
        self.m_log_name.append_value("bsm");
        self.scratch.clear();
        let _ = write!(self.scratch, "{file}#{}", ev.offset());
        self.m_uid.append_value(&self.scratch);

        self.d_type_id.append_value(0);
        self.d_name.append_value(host.unwrap_or("unknown"));
        self.d_hostname.append_option(host);
        self.d_ip.append_option(device.ip.map(|a| a.to_string()));

        let subject = ev.subject;
        self.actor.append(subject.is_some());
        self.actor_user.append(subject.map(|s| user_of(&s)), cx);
        self.actor_session.append(subject.map(|s| s.sid));

        let o = objects_of(ev, &map);
        self.exit_code.append_option(o.exit_code.map(|x| x as i32));
        self.file.append(o.file, cx);
        self.file_result.append(
            o.file_result.map(|p| FileFacts {
                path: p,
                attr: None,
            }),
            cx,
        );
        if o.src_is_device {
            self.src.device(&device);
        } else {
            self.src.append(o.src);
        }
        self.dst.append(o.dst);
        self.connection.append(o.direction_id.is_some());
        self.direction_id
            .append_option(o.direction_id.map(i32::from));
        self.user.append(o.user, cx);
        self.session.append(o.session);
        self.service.append(o.service);
        self.service_name.append_option(
            o.service
                .then(|| info.map_or("bsm", |e| e.name.trim_start_matches("AUE_"))),
        );
        self.log_name.append_option(o.log_name);

        self.u_file.append_value(file);
        self.u_offset.append_value(ev.offset() as i64);
        self.u_event.append_value(ev.event.0 as i32);
        self.u_event_name
            .append_option(info.map(|e| e.name.as_str()));
        self.u_modifier.append_value(ev.modifier.bits() as i32);
    }

    /// The rows appended since the last call.
    pub(crate) fn take(&mut self) -> LocalPart {
        let rows = std::mem::take(&mut self.rows);
        let part = self.take_part();
        // The next batch's builders, about as large as this one's (so that they rarely grow:
        // growing copies a buffer into freshly cleared pages).
        *self = Local::new(rows + rows / 8);
        part
    }

    fn take_part(&mut self) -> LocalPart {
        let metadata = fields_at(&["metadata"]);
        let product = fields_of(&metadata, "product");
        let device = fields_at(&["device"]);
        let actor = fields_at(&["actor"]);
        let unmapped = fields_at(&["unmapped"]);
        let bsm = fields_of(&unmapped, "bsm");
        let file = fields_at(&["file"]);
        let endpoint = fields_at(&["src_endpoint"]);
        let conn = fields_at(&["connection_info"]);
        let service = fields_at(&["service"]);
        let head: Vec<ArrayRef> = vec![
            Arc::new(self.class_uid.finish()),
            Arc::new(self.class_name.finish()),
            Arc::new(self.category_uid.finish()),
            Arc::new(self.category_name.finish()),
            Arc::new(self.activity_id.finish()),
            Arc::new(self.activity_name.finish()),
            Arc::new(self.type_uid.finish()),
            Arc::new(self.type_name.finish()),
            Arc::new(self.severity_id.finish()),
            Arc::new(self.severity.finish()),
            Arc::new(self.time.finish()),
            Arc::new(self.status_id.finish()),
            Arc::new(self.status.finish()),
            Arc::new(self.status_code.finish()),
            Arc::new(self.status_detail.finish()),
            Arc::new(self.message.finish()),
            strukt(
                metadata,
                vec![
                    Arc::new(self.m_version.finish()),
                    strukt(
                        product,
                        vec![
                            Arc::new(self.m_product_name.finish()),
                            Arc::new(self.m_product_vendor.finish()),
                            Arc::new(self.m_product_version.finish()),
                        ],
                        None,
                    ),
                    Arc::new(self.m_profiles.finish()),
                    Arc::new(self.m_event_code.finish()),
                    Arc::new(self.m_log_name.finish()),
                    Arc::new(self.m_uid.finish()),
                ],
                None,
            ),
            strukt(
                device,
                vec![
                    Arc::new(self.d_type_id.finish()),
                    Arc::new(self.d_name.finish()),
                    Arc::new(self.d_hostname.finish()),
                    Arc::new(self.d_ip.finish()),
                ],
                None,
            ),
        ];
        let actor_user = self.actor_user.finish(fields_of(&actor, "user"));
        let actor_session = self.actor_session.finish(fields_of(&actor, "session"));
        let user_fields = fields_at(&["user"]);
        let session_fields = fields_at(&["session"]);
        LocalPart {
            head,
            actor: (actor, self.actor.finish(), actor_user, actor_session),
            exit_code: Arc::new(self.exit_code.finish()),
            tail: vec![
                self.file.finish(file.clone()),
                self.file_result.finish(file),
                self.src.finish(endpoint.clone()),
                self.dst.finish(endpoint),
                strukt(
                    conn,
                    vec![Arc::new(self.direction_id.finish())],
                    self.connection.finish(),
                ),
                self.user.finish(user_fields),
                self.session.finish(session_fields),
                strukt(
                    service,
                    vec![Arc::new(self.service_name.finish())],
                    self.service.finish(),
                ),
                Arc::new(self.log_name.finish()),
                strukt(
                    unmapped,
                    vec![strukt(
                        bsm,
                        vec![
                            Arc::new(self.u_file.finish()),
                            Arc::new(self.u_offset.finish()),
                            Arc::new(self.u_event.finish()),
                            Arc::new(self.u_event_name.finish()),
                            Arc::new(self.u_modifier.finish()),
                        ],
                        None,
                    )],
                    None,
                ),
            ],
            days: self.days.finish(),
        }
    }
}

/// The columns a part's records filled, waiting for the process objects.
pub(crate) struct LocalPart {
    head: Vec<ArrayRef>,
    /// The actor's fields, validity, user and session.
    actor: (Fields, Option<NullBuffer>, ArrayRef, ArrayRef),
    exit_code: ArrayRef,
    tail: Vec<ArrayRef>,
    days: arrow_array::Date32Array,
}

/// A process object's columns.
struct ProcessCols {
    valid: NullBufferBuilder,
    pid: Int64Builder,
    uid: StringBuilder,
    created_time: Int64Builder,
    name: StringBuilder,
    cmd_line: StringBuilder,
    file: NullBufferBuilder,
    file_path: StringBuilder,
    file_name: StringBuilder,
    file_type_id: Int32Builder,
    parent: NullBufferBuilder,
    parent_pid: Int64Builder,
    parent_uid: StringBuilder,
    user: UserCols,
    auid: Int64Builder,
    euid: Int64Builder,
    egid: Int64Builder,
    scratch: Vec<u8>,
}

impl ProcessCols {
    fn new(rows: usize) -> ProcessCols {
        ProcessCols {
            valid: NullBufferBuilder::new(rows),
            pid: Int64Builder::with_capacity(rows),
            uid: StringBuilder::with_capacity(rows, rows * 8),
            created_time: Int64Builder::with_capacity(rows),
            name: StringBuilder::with_capacity(rows, rows * 8),
            cmd_line: StringBuilder::with_capacity(rows, rows * 8),
            file: NullBufferBuilder::new(rows),
            file_path: StringBuilder::with_capacity(rows, rows * 8),
            file_name: StringBuilder::with_capacity(rows, rows * 8),
            file_type_id: Int32Builder::with_capacity(rows),
            parent: NullBufferBuilder::new(rows),
            parent_pid: Int64Builder::with_capacity(rows),
            parent_uid: StringBuilder::with_capacity(rows, rows * 8),
            user: UserCols::new(rows),
            auid: Int64Builder::with_capacity(rows),
            euid: Int64Builder::with_capacity(rows),
            egid: Int64Builder::with_capacity(rows),
            scratch: Vec::new(),
        }
    }

    fn null(&mut self, cx: &mut Context<'_>) {
        self.valid.append_null();
        self.pid.append_null();
        self.uid.append_null();
        self.created_time.append_null();
        self.name.append_null();
        self.cmd_line.append_null();
        self.file.append_null();
        self.file_path.append_null();
        self.file_name.append_null();
        self.file_type_id.append_null();
        self.parent.append_null();
        self.parent_pid.append_null();
        self.parent_uid.append_null();
        self.user.append(None, cx);
        self.auid.append_null();
        self.euid.append_null();
        self.egid.append_null();
    }

    /// A process: from the model when it is known (with its stable id and parent), with the
    /// record's program in place of the model's when given (a failed exec).
    fn append(
        &mut self,
        p: Option<&Process<Cache>>,
        program: Option<(Option<&[u8]>, Option<knox_model::Strings<'_>>)>,
        pid: Option<u32>,
        cx: &mut Context<'_>,
    ) {
        self.valid.append_non_null();
        let pid = p.map(|p| p.pid).or(pid).unwrap_or(0);
        self.pid.append_value(pid as i64);
        self.uid.append_option(p.map(|p| p.id.as_str()));
        self.created_time.append_option(
            p.filter(|p| p.origin != knox_model::Origin::Seen)
                .map(|p| millis(p.start)),
        );
        self.scratch.clear();
        let path = match program {
            Some((path, argv)) => {
                knox_model::quote::command_line(
                    &mut self.scratch,
                    path,
                    argv.into_iter().flat_map(|a| a.iter()),
                );
                path
            }
            None => p
                .and_then(|p| p.image())
                .and_then(|img| img.path.as_deref()),
        };
        self.name.append_option(path.map(|p| lossy(basename(p))));
        match (program.is_some(), p) {
            (true, _) => self
                .cmd_line
                .append_option((!self.scratch.is_empty()).then(|| lossy(&self.scratch))),
            // The model's program: its command line as the process's cache keeps it.
            (false, Some(p)) => self.cmd_line.append_option(p.data.command_line(p)),
            (false, _) => self.cmd_line.append_null(),
        }
        match path {
            Some(path) => {
                self.file.append_non_null();
                self.file_path.append_value(lossy(path));
                self.file_name.append_value(lossy(basename(path)));
                self.file_type_id.append_value(1);
            }
            None => {
                self.file.append_null();
                self.file_path.append_null();
                self.file_name.append_null();
                self.file_type_id.append_null();
            }
        }
        match p.filter(|p| p.parent.is_some() || p.ppid.is_some()) {
            Some(p) => {
                self.parent.append_non_null();
                self.parent_pid.append_value(p.ppid.unwrap_or(0) as i64);
                self.parent_uid
                    .append_option(p.parent.as_ref().map(|id| id.as_str()));
            }
            None => {
                self.parent.append_null();
                self.parent_pid.append_null();
                self.parent_uid.append_null();
            }
        }
        let s = p.and_then(|p| p.subject);
        self.user.append(s.map(|s| s.euid), cx);
        // Ids as the kernel's signed ints: an unset audit user is -1.
        self.auid.append_option(s.map(|s| s.auid as i32 as i64));
        self.euid.append_option(s.map(|s| s.euid as i32 as i64));
        self.egid.append_option(s.map(|s| s.egid as i32 as i64));
    }

    fn finish(&mut self, fields: Fields) -> ArrayRef {
        let file = fields_of(&fields, "file");
        let parent = fields_of(&fields, "parent_process");
        let user = fields_of(&fields, "user");
        strukt(
            fields,
            vec![
                Arc::new(self.pid.finish()),
                Arc::new(self.uid.finish()),
                Arc::new(self.created_time.finish()),
                Arc::new(self.name.finish()),
                Arc::new(self.cmd_line.finish()),
                strukt(
                    file,
                    vec![
                        Arc::new(self.file_path.finish()),
                        Arc::new(self.file_name.finish()),
                        Arc::new(self.file_type_id.finish()),
                    ],
                    self.file.finish(),
                ),
                strukt(
                    parent,
                    vec![
                        Arc::new(self.parent_pid.finish()),
                        Arc::new(self.parent_uid.finish()),
                    ],
                    self.parent.finish(),
                ),
                self.user.finish(user),
                Arc::new(self.auid.finish()),
                Arc::new(self.euid.finish()),
                Arc::new(self.egid.finish()),
            ],
            self.valid.finish(),
        )
    }
}

/// The two process objects, built in input order.
pub(crate) struct Processes {
    actor: ProcessCols,
    process: ProcessCols,
}

impl Processes {
    pub(crate) fn new(rows: usize) -> Processes {
        Processes {
            actor: ProcessCols::new(rows),
            process: ProcessCols::new(rows),
        }
    }

    /// The actor's process of an event, before the model takes it: an exec's actor is the
    /// program it replaced. Returns whether it was appended (only for execs).
    pub(crate) fn before(
        &mut self,
        model: &Model<Cache>,
        host: Host,
        ev: &Event,
        cx: &mut Context<'_>,
    ) -> bool {
        if ev.act != Act::Exec || ev.subject.is_none() {
            return false;
        }
        let p = ev.subject.and_then(|s| model.running_pid(host, s.pid));
        match p {
            Some(p) => self.actor.append(Some(p), None, Some(p.pid), cx),
            None => return false,
        }
        true
    }

    /// The event's process objects, with the model after it has taken the event.
    /// `actor_done` says [`Processes::before`] appended the actor already; `class` is the
    /// event's.
    pub(crate) fn after(
        &mut self,
        model: &Model<Cache>,
        host: Host,
        ev: &Event,
        (actor_done, class): (bool, Class),
        cx: &mut Context<'_>,
    ) {
        let subject = ev.subject.map(|s| s.pid);
        if !actor_done {
            match ev.subject {
                Some(s) => {
                    let p = model.running_pid(host, s.pid);
                    self.actor.append(p, None, subject, cx);
                }
                None => self.actor.null(cx),
            }
        }
        if class != Class::Process {
            self.process.null(cx);
            return;
        }
        let r = process_of(ev);
        let running = r.lookup.and_then(|pid| model.running_pid(host, pid));
        let attempted = match r.program {
            Program::Model => false,
            Program::Record => true,
            Program::RecordIfUnknown => running.is_none(),
        };
        let program = attempted.then(|| (ev.path(), ev.argv()));
        self.process.append(running, program, r.pid, cx);
    }

    /// The batch of a part's rows (in the union of the classes' columns: a class's table is
    /// its projection, [`crate::schema::ocsf_columns`]).
    pub(crate) fn assemble(
        &mut self,
        local: LocalPart,
        host: Option<&str>,
    ) -> Result<RecordBatch, arrow_schema::ArrowError> {
        let rows = local.days.len();
        let (actor_fields, actor_valid, user, session) = local.actor;
        let actor_process = self.actor.finish(fields_of(&actor_fields, "process"));
        let mut columns = local.head;
        columns.push(strukt(
            actor_fields,
            vec![actor_process, user, session],
            actor_valid,
        ));
        columns.push(self.process.finish(fields_at(&["process"])));
        columns.push(local.exit_code);
        columns.extend(local.tail);
        columns.extend(crate::columns::place(host, local.days));
        *self = Processes::new(rows + rows / 8);
        RecordBatch::try_new(crate::schema::ocsf(), columns)
    }
}

/// The OCSF table's builders: one for every class together (in input order), or one per class
/// (each class's rows apart, as the Parquet export's `class=C/` partitions hold them, so that
/// they need not be sorted out of the batches afterwards).
pub(crate) struct ByClass<T> {
    by: Vec<Option<T>>,
    split: bool,
}

impl<T> ByClass<T> {
    pub(crate) fn new(split: bool) -> ByClass<T> {
        ByClass {
            by: (0..Class::ALL.len()).map(|_| None).collect(),
            split,
        }
    }

    /// The builder of a class's rows.
    pub(crate) fn of(&mut self, class: Class, new: impl FnOnce() -> T) -> &mut T {
        let i = if self.split {
            Class::ALL.iter().position(|&c| c == class).unwrap_or(0)
        } else {
            0
        };
        self.by[i].get_or_insert_with(new)
    }

    /// Each builder that has one, with its place.
    pub(crate) fn each(&mut self) -> impl Iterator<Item = (usize, &mut T)> {
        self.by
            .iter_mut()
            .enumerate()
            .filter_map(|(i, b)| b.as_mut().map(|b| (i, b)))
    }

    /// The builder at a place.
    pub(crate) fn at(&mut self, i: usize, new: impl FnOnce() -> T) -> &mut T {
        self.by[i].get_or_insert_with(new)
    }
}

impl Local {
    /// Whether rows were appended since the last take.
    pub(crate) fn is_empty(&self) -> bool {
        self.rows == 0
    }
}

/// A record's class and activity, and its device.
pub(crate) fn classify<'h>(
    host: Option<&'h str>,
    ev: &Event<&[u8]>,
    rec: &Record<'_>,
) -> (Device<'h>, Mapping) {
    let device = Device::of(host, rec);
    let map = mapping_of(ev, &device);
    (device, map)
}
