//! `knox._knox`: the Rust side of the Python package. It resolves inputs as the `knox` command
//! line does (files, trail directories, trees of hosts; here also bytes), runs the record loop
//! of `knox-arrow` on a thread of its own, and hands the batches to Python through the Arrow
//! C stream interface (a PyCapsule named `arrow_array_stream`), so that no row becomes a
//! Python object. `python/knox/__init__.py` is the public face.

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_schema::ffi::FFI_ArrowSchema;
use bsm_format::tables::Flavor;
use knox_arrow::stream::{ProblemList, Stream};
use knox_arrow::{Options, Table};
use knox_read::accounts::Accounts;
use knox_read::pipeline::SourceInfo;
use knox_read::source::{expand, Source};
use knox_read::tables::TableFiles;
use pyo3::exceptions::{PyFileNotFoundError, PyOSError, PyPermissionError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

/// An I/O error as the Python exception of its kind, naming what it is about.
fn os_error(what: &str, e: &std::io::Error) -> PyErr {
    let text = format!(
        "{what}: {}",
        knox_read::problem::path_problem(std::path::Path::new(what), e)
    );
    match e.kind() {
        std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(text),
        std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(text),
        _ => PyOSError::new_err(text),
    }
}

/// One input as Python gives it: a path, bytes, or bytes with the name rows give them.
#[derive(FromPyObject)]
enum Input {
    Named(String, Vec<u8>),
    Bytes(Vec<u8>),
    Path(PathBuf),
}

/// Sources with what the loop knows of each.
type Sources = Vec<(Source, SourceInfo)>;

/// The sources of the inputs, each with its name and host, as the command line names them;
/// and the files passed over with why.
fn sources(inputs: Vec<Input>, host: Option<&str>) -> PyResult<(Sources, Vec<String>)> {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for (i, input) in inputs.into_iter().enumerate() {
        let found = match input {
            Input::Bytes(b) => vec![(Source::Memory(b.into()), format!("<bytes {i}>"), None, None)],
            Input::Named(name, b) => vec![(Source::Memory(b.into()), name, None, None)],
            Input::Path(p) => {
                if !p.exists() && std::fs::symlink_metadata(&p).is_err() {
                    let e = std::io::Error::from(std::io::ErrorKind::NotFound);
                    return Err(os_error(&p.display().to_string(), &e));
                }
                let e = expand(std::slice::from_ref(&p))
                    .map_err(|e| PyOSError::new_err(knox_read::problem::io_text(&e)))?;
                skipped.extend(e.skipped);
                let mut v = Vec::new();
                for x in e.inputs {
                    let name = x.source.name();
                    // Unreadable files are said now, not halfway through the batches.
                    if let Source::File(f) = &x.source {
                        std::fs::File::open(f).map_err(|e| os_error(&name, &e))?;
                    }
                    v.push((x.source, name, x.host, x.trail));
                }
                v
            }
        };
        for (source, name, file_host, trail) in found {
            let host = host.map(str::to_string).or(file_host);
            let info = SourceInfo {
                name: name.into(),
                host: host.map(Arc::from),
                streaming: false,
                piped: false,
                trail,
            };
            out.push((source, info));
        }
    }
    Ok((out, skipped))
}

/// A running read: its batches (taken once, through `__arrow_c_stream__`) and its problems.
#[pyclass(module = "knox._knox")]
struct Reader {
    /// Taken by `__arrow_c_stream__` (a Mutex: Python objects may be shared between threads).
    stream: std::sync::Mutex<Option<Stream>>,
    schema: arrow_schema::SchemaRef,
    problems: ProblemList,
    /// Files the inputs named but that are not read, with why.
    #[pyo3(get)]
    skipped: Vec<String>,
    /// The inputs read, as problems name them.
    #[pyo3(get)]
    inputs: Vec<String>,
}

#[pymethods]
impl Reader {
    #[new]
    #[pyo3(signature = (inputs, schema="records", threads=None, host=None, passwd=None, group=None, events=None, flavor=None, classes=None, select_events=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        inputs: Vec<Input>,
        schema: &str,
        threads: Option<usize>,
        host: Option<String>,
        passwd: Option<PathBuf>,
        group: Option<PathBuf>,
        events: Option<PathBuf>,
        flavor: Option<&str>,
        classes: Option<PathBuf>,
        select_events: Option<Vec<String>>,
    ) -> PyResult<Reader> {
        let table: Table = schema.parse().map_err(PyValueError::new_err)?;
        let flavor: Option<Flavor> = flavor
            .map(knox_read::tables::parse_flavor)
            .transpose()
            .map_err(PyValueError::new_err)?;
        let files = TableFiles {
            events: events.clone(),
            flavor,
            classes,
        };
        let (table_events, _) = files.load().map_err(|e| {
            os_error(
                &events
                    .as_deref()
                    .unwrap_or(std::path::Path::new("audit_event"))
                    .display()
                    .to_string(),
                &e,
            )
        })?;
        let accounts = Accounts::new(passwd.as_deref(), group.as_deref()).map_err(|e| {
            let which = passwd
                .as_deref()
                .or(group.as_deref())
                .unwrap_or(std::path::Path::new(""));
            os_error(&which.display().to_string(), &e)
        })?;
        let mut select = None;
        if let Some(names) = select_events {
            let mut wanted = std::collections::HashSet::new();
            for n in &names {
                wanted.insert(
                    knox_read::tables::event_number(&table_events, n)
                        .map_err(PyValueError::new_err)?,
                );
            }
            select = Some(wanted);
        }
        let (sources, skipped) = sources(inputs, host.as_deref())?;
        let inputs: Vec<String> = sources.iter().map(|(_, i)| i.name.to_string()).collect();
        let mut opts = Options::new(table, table_events, accounts);
        if let Some(wanted) = select {
            opts.select = Some(Arc::new(
                move |r: &bsm_format::Record<'_>| matches!(r.header(), Ok(Some(h)) if wanted.contains(&h.event.0)),
            ));
        }
        let threads = threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1);
        let stream = Stream::start(sources, opts, threads);
        Ok(Reader {
            schema: table.schema(),
            problems: stream.problem_list(),
            stream: std::sync::Mutex::new(Some(stream)),
            skipped,
            inputs,
        })
    }

    /// The batches, as an Arrow C stream (once).
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        // The batches come in the table's own schema; a consumer that wants another casts.
        let _ = requested_schema;
        let stream = self
            .stream
            .lock()
            .ok()
            .and_then(|mut s| s.take())
            .ok_or_else(|| {
                PyValueError::new_err("the batches of this reader were taken already")
            })?;
        let ffi = FFI_ArrowArrayStream::new(Box::new(stream));
        PyCapsule::new_with_value(py, ffi, c"arrow_array_stream")
    }

    /// The table's schema, as an Arrow C schema.
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        schema_capsule(py, &self.schema)
    }

    /// The decode problems found since the last call: (file, offset, message).
    fn take_problems(&self) -> Vec<(String, u64, String)> {
        self.problems
            .take()
            .into_iter()
            .map(|p| (p.file, p.offset, p.message))
            .collect()
    }
}

fn schema_capsule<'py>(
    py: Python<'py>,
    schema: &arrow_schema::Schema,
) -> PyResult<Bound<'py, PyCapsule>> {
    let ffi =
        FFI_ArrowSchema::try_from(schema).map_err(|e| PyValueError::new_err(e.to_string()))?;
    PyCapsule::new_with_value(py, ffi, c"arrow_schema")
}

/// A table's schema, for `pyarrow.schema(...)`.
#[pyclass(module = "knox._knox")]
struct Schema {
    schema: arrow_schema::SchemaRef,
}

#[pymethods]
impl Schema {
    #[new]
    fn new(name: &str) -> PyResult<Schema> {
        let table: Table = name.parse().map_err(PyValueError::new_err)?;
        Ok(Schema {
            schema: table.schema(),
        })
    }

    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        schema_capsule(py, &self.schema)
    }
}

/// What a path expands to, as the command line expands it: `(file, host)` for each trail
/// file, in reading order (a file as it is, a trail directory's trail files, a tree's
/// directories one host each).
#[pyfunction]
fn expand_paths(paths: Vec<PathBuf>) -> PyResult<Vec<(String, Option<String>)>> {
    let e = expand(&paths).map_err(|e| PyOSError::new_err(knox_read::problem::io_text(&e)))?;
    Ok(e.inputs
        .into_iter()
        .map(|i| (i.source.name(), i.host))
        .collect())
}

/// The knox version.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn _knox(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Reader>()?;
    m.add_class::<Schema>()?;
    m.add_function(wrap_pyfunction!(expand_paths, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    Ok(())
}
