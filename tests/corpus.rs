//! A corpus of hostile and malformed requests, sent over real TCP to the real
//! binary (issue #7, item 2).
//!
//! One `dezone serve` answers the whole table. Every row is one raw HTTP/1.1
//! request, written byte for byte by the small client below (so a row can send
//! invalid UTF-8, un-normalised paths, huge headers, lying `Content-Length`s,
//! truncated bodies and unknown methods), and the exact answer it must get:
//! for a refusal, the status and an RFC 9457 `application/problem+json` body
//! whose `type`, `title` and `status` are right and whose `detail` names what
//! was wrong; for the few hostile-looking inputs the service documents as
//! accepted (`3.6e1`, `-0`, a third coordinate), the success answer.
//!
//! After every row a good request (`GET /locate?lon=36.63&lat=35.93`, zone
//! `idlib`) must still be answered. A row that kills the server is reported
//! with the server's last words, and the server is started again so that the
//! rest of the table still runs. Nothing is skipped: every row runs and every
//! failure is printed (request, expected, actual) before the test fails.
//!
//! Rows describe the service as it should be, not only as it is. Refusals
//! name what was wrong: a 414 the `query` or `path`, a 431 the `header`s, a
//! request without `Host` (RFC 9112 §3.2 requires a 400) `Host`. Details are
//! matched case-insensitively.
//!
//! A few requests are refused by hyper itself, while it reads the request
//! head and before any service of ours runs, with the bare status and an
//! empty body (`hyper_refusal` rows): a target over 64 KiB (hyper's fixed
//! `MAX_URI_LEN`), a head over its read buffer (about 400 KB) or with over 100
//! fields, raw non-ASCII bytes in the target, an invalid or doubled
//! `Content-Length`, and bytes that are not HTTP. hyper 1 offers no hook to
//! write those answers (`Http1Transaction::on_error` builds them), so they
//! cannot carry a problem. The service's own limits (`--max-uri-bytes`,
//! `--max-header-bytes`, `--max-headers`) sit below hyper's, so that a
//! request merely too large gets a problem: rows just over those limits
//! expect one.
//!
//! Load shedding (503) and the request timeout (408) need a server started
//! with small limits and requests held open: they are tested apart, in
//! `a_slow_upload_is_shed_against_and_then_timed_out`.

#![allow(
    clippy::unwrap_used,
    clippy::missing_panics_doc,
    clippy::too_many_lines
)]

use std::{
    collections::VecDeque,
    fmt::Write as _,
    io::{BufRead as _, BufReader, ErrorKind, Read as _, Write as _},
    net::{Shutdown, TcpStream},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex, mpsc},
    time::{Duration, Instant},
};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_dezone");

/// The largest body the server takes by default (`--max-body-bytes`).
const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// How long one answer may take to arrive.
const ANSWER_DEADLINE: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------

struct Server {
    child: Child,
    addr: String,
    /// The last lines the server wrote to stderr (its panic or abort message).
    tail: Arc<Mutex<VecDeque<String>>>,
}

impl Server {
    fn start() -> Self {
        Self::start_with(&[])
    }

    /// `dezone serve` with `args` besides the address.
    fn start_with(args: &[&str]) -> Self {
        // Through sh with core dumps off: a row that aborts the server should
        // not leave a core file behind or slow the restart.
        let mut child = Command::new("sh")
            .args([
                "-c",
                "ulimit -c 0; exec \"$0\" serve --addr 127.0.0.1:0 \"$@\"",
                BIN,
            ])
            .args(args)
            .env("RUST_LOG", "info")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        let keep = Arc::clone(&tail);
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let line = line.unwrap_or_default();
                if let Some(addr) = line.split("listening on http://").nth(1) {
                    let _ = tx.send(addr.trim().to_owned());
                }
                let mut tail = keep.lock().unwrap();
                if tail.len() == 8 {
                    tail.pop_front();
                }
                tail.push_back(line);
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the server did not start");
        Self { child, addr, tail }
    }

    /// `Some(why)` when the process has exited (waiting up to 5 s for an
    /// abort to finish).
    fn died(&mut self) -> Option<String> {
        let deadline = Instant::now() + Duration::from_secs(5);
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                _ => return None,
            }
        };
        // Give the stderr reader a moment to collect the last words.
        std::thread::sleep(Duration::from_millis(100));
        let tail: Vec<String> = self.tail.lock().unwrap().iter().cloned().collect();
        Some(format!(
            "the server exited ({status}); its last stderr lines:\n      {}",
            tail.join("\n      ")
        ))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------
// The raw HTTP/1.1 client
// ---------------------------------------------------------------------------

/// How the body is framed.
enum Framing {
    /// No body and no framing header.
    Bare,
    /// `Content-Length` of the body, or the given (lying, malformed) value.
    Length(Option<String>),
    /// `Transfer-Encoding: chunked` in chunks of 64 KiB.
    Chunked,
}

/// One request, kept as parts until it is written.
struct Req {
    method: String,
    target: Vec<u8>,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    framing: Framing,
    host: bool,
    /// Shut the write half after sending (the body ends early).
    half_close: bool,
    /// Exactly these bytes instead of a built request.
    raw: Option<Vec<u8>>,
}

fn method(name: &str, target: impl AsRef<[u8]>) -> Req {
    Req {
        method: name.to_owned(),
        target: target.as_ref().to_vec(),
        headers: Vec::new(),
        body: Vec::new(),
        framing: Framing::Bare,
        host: true,
        half_close: false,
        raw: None,
    }
}

fn get(target: impl AsRef<[u8]>) -> Req {
    method("GET", target)
}

/// `POST target` with `body` as `content_type` and a true `Content-Length`.
fn post(target: &str, content_type: &str, body: impl Into<Vec<u8>>) -> Req {
    method("POST", target)
        .header("Content-Type", content_type)
        .body(body)
}

/// `POST /locate` with a JSON body.
fn post_json(body: impl Into<Vec<u8>>) -> Req {
    post("/locate", "application/json", body)
}

/// Exactly `bytes`, nothing added.
fn raw(bytes: impl Into<Vec<u8>>) -> Req {
    Req {
        raw: Some(bytes.into()),
        ..get("/")
    }
}

impl Req {
    /// Sends `body` with a true `Content-Length`.
    fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self.framing = Framing::Length(None);
        self
    }

    fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.headers
            .push((name.to_owned(), value.as_ref().to_vec()));
        self
    }

    /// Declares `value` as the `Content-Length`, whatever the body is.
    fn length(mut self, value: &str) -> Self {
        self.framing = Framing::Length(Some(value.to_owned()));
        self
    }

    fn chunked(mut self) -> Self {
        self.framing = Framing::Chunked;
        self
    }

    fn no_host(mut self) -> Self {
        self.host = false;
        self
    }

    fn half_close(mut self) -> Self {
        self.half_close = true;
        self
    }

    fn bytes(&self) -> Vec<u8> {
        if let Some(raw) = &self.raw {
            return raw.clone();
        }
        let mut out = Vec::with_capacity(self.body.len() + 256);
        out.extend_from_slice(self.method.as_bytes());
        out.push(b' ');
        out.extend_from_slice(&self.target);
        out.extend_from_slice(b" HTTP/1.1\r\n");
        if self.host {
            out.extend_from_slice(b"Host: 127.0.0.1\r\n");
        }
        out.extend_from_slice(b"Connection: close\r\n");
        for (name, value) in &self.headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        match &self.framing {
            Framing::Bare => out.extend_from_slice(b"\r\n"),
            Framing::Length(declared) => {
                let declared = declared
                    .clone()
                    .unwrap_or_else(|| self.body.len().to_string());
                out.extend_from_slice(format!("Content-Length: {declared}\r\n\r\n").as_bytes());
                out.extend_from_slice(&self.body);
            }
            Framing::Chunked => {
                out.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
                for chunk in self.body.chunks(64 * 1024) {
                    out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                    out.extend_from_slice(chunk);
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(b"0\r\n\r\n");
            }
        }
        out
    }

    /// The request for a failure message: its head and the start of its body.
    fn describe(&self) -> String {
        let bytes = self.bytes();
        let shown = clip(&bytes, 240);
        let extra = if self.half_close {
            " (then the client shuts its write half)"
        } else {
            ""
        };
        format!("{shown}{extra}")
    }
}

/// Bytes as escaped text, cut at `max` bytes with the full length noted.
fn clip(bytes: &[u8], max: usize) -> String {
    let shown = bytes[..bytes.len().min(max)].escape_ascii().to_string();
    if bytes.len() > max {
        format!("{shown}… ({} bytes in all)", bytes.len())
    } else {
        shown
    }
}

/// An answer as read from the wire.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn describe(&self) -> String {
        let headers: Vec<String> = self
            .headers
            .iter()
            .filter(|(n, _)| {
                [
                    "content-type",
                    "allow",
                    "content-length",
                    "transfer-encoding",
                ]
                .contains(&n.to_ascii_lowercase().as_str())
            })
            .map(|(n, v)| format!("{n}: {v}"))
            .collect();
        let body = if self.body.is_empty() {
            "(empty body)".to_owned()
        } else {
            clip(&self.body, 600)
        };
        format!("{} [{}] {body}", self.status, headers.join("; "))
    }
}

/// The answer when `buf` holds a complete one (`eof`: the server has closed).
fn parse_answer(buf: &[u8], eof: bool) -> Option<Answer> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&buf[..end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let status = status_line
        .strip_prefix("HTTP/1.")
        .and_then(|rest| rest.get(2..5))
        .and_then(|code| code.parse().ok())?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let rest = &buf[end + 4..];
    let find = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let body = if find("transfer-encoding").is_some_and(|te| te.contains("chunked")) {
        dechunk(rest)?
    } else if let Some(length) = find("content-length").and_then(|v| v.parse::<usize>().ok()) {
        rest.get(..length)?.to_vec()
    } else if eof {
        rest.to_vec()
    } else {
        return None;
    };
    Some(Answer {
        status,
        headers,
        body,
    })
}

/// A complete chunked body, or `None` while it is incomplete.
fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size_text = String::from_utf8_lossy(&rest[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}

/// Sends `req` on a new connection and reads one answer. The request is
/// written on another thread while this one reads, so that an early answer
/// (a 413 before a 17 MB body is sent) is read before the connection drops.
fn send(addr: &str, req: &Req) -> Result<Answer, String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| format!("cannot connect: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let bytes = req.bytes();
    let half_close = req.half_close;
    let written = std::thread::spawn(move || {
        let result = writer.write_all(&bytes);
        if half_close {
            let _ = writer.shutdown(Shutdown::Write);
        }
        result
    });
    let started = Instant::now();
    let mut buf = Vec::new();
    let mut chunk = vec![0; 64 * 1024];
    let mut eof = false;
    let mut error = None;
    while started.elapsed() < ANSWER_DEADLINE {
        if parse_answer(&buf, false).is_some() {
            break;
        }
        match stream.read(&mut chunk) {
            Ok(0) => {
                eof = true;
                break;
            }
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => {
                error = Some(e);
                eof = true;
                break;
            }
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
    let write_result = written.join().unwrap();
    parse_answer(&buf, eof).ok_or_else(|| {
        let mut why = if buf.is_empty() {
            "no answer".to_owned()
        } else {
            format!("an incomplete answer: {}", clip(&buf, 300))
        };
        if let Some(e) = error {
            let _ = write!(why, "; reading failed: {e}");
        } else if !eof {
            let _ = write!(why, " within {ANSWER_DEADLINE:?}");
        }
        if let Err(e) = write_result {
            let _ = write!(why, "; writing the request failed: {e}");
        }
        why
    })
}

// ---------------------------------------------------------------------------
// Expectations
// ---------------------------------------------------------------------------

enum Body {
    /// An RFC 9457 problem.
    Problem {
        /// `/problems/{slug}`; `None` where the service has no type for it yet.
        slug: Option<&'static str>,
        /// A substring of `detail` (case-insensitive): what was wrong.
        detail: &'static str,
        /// A text `detail` must not contain (case-insensitive).
        lacks: Option<&'static str>,
        parameter: Option<&'static str>,
        index: Option<u64>,
        /// The methods `Allow` must list (any order).
        allow: Option<&'static str>,
    },
    /// hyper's own refusal of a request it cannot read: the status with an
    /// empty body (see the module's notes).
    Bare,
    /// A success: the media type's start and a substring of the body.
    Success {
        content_type: &'static str,
        contains: &'static str,
    },
}

struct Expect {
    status: u16,
    body: Body,
}

/// A problem of type `slug` whose detail contains `detail`.
fn problem(status: u16, slug: &'static str, detail: &'static str) -> Expect {
    Expect {
        status,
        body: Body::Problem {
            slug: Some(slug),
            detail,
            lacks: None,
            parameter: None,
            index: None,
            allow: None,
        },
    }
}

/// hyper's bare refusal: `status`, an empty body.
fn hyper_refusal(status: u16) -> Expect {
    Expect {
        status,
        body: Body::Bare,
    }
}

/// A 400 of type `slug` about query parameter `name`: `parameter` is `name`
/// and the detail names it in backticks.
fn param(slug: &'static str, name: &'static str) -> Expect {
    let detail: &'static str = Box::leak(format!("`{name}`").into_boxed_str());
    Expect {
        status: 400,
        body: Body::Problem {
            slug: Some(slug),
            detail,
            lacks: None,
            parameter: Some(name),
            index: None,
            allow: None,
        },
    }
}

fn invalid(name: &'static str) -> Expect {
    param("invalid-parameter", name)
}

/// A 400 `invalid-body` whose detail contains `detail`.
fn bad_body(detail: &'static str) -> Expect {
    problem(400, "invalid-body", detail)
}

/// A 400 `invalid-body` about batch item `index`.
fn bad_item(index: u64) -> Expect {
    let detail: &'static str = Box::leak(format!("item {index}").into_boxed_str());
    let mut expect = bad_body(detail);
    if let Body::Problem { index: i, .. } = &mut expect.body {
        *i = Some(index);
    }
    expect
}

fn not_found(detail: &'static str) -> Expect {
    problem(404, "not-found", detail)
}

/// A 405 whose `Allow` lists `methods` and whose detail names `method`.
fn not_allowed(method: &'static str, methods: &'static str) -> Expect {
    let mut expect = problem(405, "method-not-allowed", method);
    if let Body::Problem { allow, .. } = &mut expect.body {
        *allow = Some(methods);
    }
    expect
}

fn success(status: u16, content_type: &'static str, contains: &'static str) -> Expect {
    Expect {
        status,
        body: Body::Success {
            content_type,
            contains,
        },
    }
}

impl Expect {
    fn lacks(mut self, text: &'static str) -> Self {
        if let Body::Problem { lacks, .. } = &mut self.body {
            *lacks = Some(text);
        }
        self
    }

    fn describe(&self) -> String {
        match &self.body {
            Body::Problem {
                slug,
                detail,
                lacks,
                parameter,
                index,
                allow,
            } => {
                let mut text = format!(
                    "{} application/problem+json, type {}, detail containing {detail:?}",
                    self.status,
                    slug.map_or_else(|| "(any)".to_owned(), |s| format!("/problems/{s}"))
                );
                if let Some(l) = lacks {
                    let _ = write!(text, " but not {l:?}");
                }
                if let Some(p) = parameter {
                    let _ = write!(text, ", parameter {p:?}");
                }
                if let Some(i) = index {
                    let _ = write!(text, ", index {i}");
                }
                if let Some(a) = allow {
                    let _ = write!(text, ", Allow: {a}");
                }
                text
            }
            Body::Bare => format!("{} with an empty body (hyper's own refusal)", self.status),
            Body::Success {
                content_type,
                contains,
            } => format!(
                "{} {content_type}, body containing {contains:?}",
                self.status
            ),
        }
    }

    /// Why `answer` does not meet the expectation, if it does not.
    fn check(&self, answer: &Answer) -> Result<(), String> {
        if answer.status != self.status {
            return Err(format!("status {} is not {}", answer.status, self.status));
        }
        let content_type = answer.header("content-type").unwrap_or("");
        match &self.body {
            Body::Bare => {
                if answer.body.is_empty() {
                    Ok(())
                } else {
                    Err("the body is not empty".to_owned())
                }
            }
            Body::Success {
                content_type: expected,
                contains,
            } => {
                if !content_type.starts_with(expected) {
                    return Err(format!("Content-Type {content_type:?} is not {expected}"));
                }
                if !String::from_utf8_lossy(&answer.body).contains(contains) {
                    return Err(format!("the body does not contain {contains:?}"));
                }
                Ok(())
            }
            Body::Problem {
                slug,
                detail,
                lacks,
                parameter,
                index,
                allow,
            } => {
                let essence = content_type
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                if essence != "application/problem+json" {
                    return Err(format!(
                        "Content-Type {content_type:?} is not application/problem+json"
                    ));
                }
                let problem: Value = serde_json::from_slice(&answer.body)
                    .map_err(|e| format!("the body is not JSON: {e}"))?;
                let text = |key: &str| problem[key].as_str().filter(|s| !s.is_empty());
                let kind = text("type").ok_or("no `type` string")?;
                if let Some(slug) = slug
                    && kind != format!("/problems/{slug}")
                {
                    return Err(format!("type {kind:?} is not /problems/{slug}"));
                }
                text("title").ok_or("no `title` string")?;
                if problem["status"] != u64::from(self.status) {
                    return Err(format!(
                        "member status {} is not the HTTP status {}",
                        problem["status"], self.status
                    ));
                }
                let got = text("detail").ok_or("no `detail` string")?;
                let lower = got.to_lowercase();
                if !lower.contains(&detail.to_lowercase()) {
                    return Err(format!("detail {got:?} does not contain {detail:?}"));
                }
                if let Some(l) = lacks
                    && lower.contains(&l.to_lowercase())
                {
                    return Err(format!("detail {got:?} contains {l:?}"));
                }
                if let Some(p) = parameter
                    && problem["parameter"] != *p
                {
                    return Err(format!(
                        "member parameter {} is not {p:?}",
                        problem["parameter"]
                    ));
                }
                if let Some(i) = index
                    && problem["index"] != *i
                {
                    return Err(format!("member index {} is not {i}", problem["index"]));
                }
                if let Some(methods) = allow {
                    let mut got: Vec<String> = answer
                        .header("allow")
                        .unwrap_or("")
                        .split(',')
                        .map(|m| m.trim().to_owned())
                        .filter(|m| !m.is_empty())
                        .collect();
                    let mut want: Vec<String> =
                        methods.split(',').map(|m| m.trim().to_owned()).collect();
                    got.sort();
                    want.sort();
                    if got != want {
                        return Err(format!("Allow lists {got:?}, not {want:?}"));
                    }
                }
                Ok(())
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------

struct Case {
    group: &'static str,
    name: &'static str,
    req: Req,
    expect: Expect,
}

/// Rows of one endpoint group.
struct Group<'a> {
    cases: &'a mut Vec<Case>,
    group: &'static str,
}

impl Group<'_> {
    fn row(&mut self, name: &'static str, req: Req, expect: Expect) -> &mut Self {
        self.cases.push(Case {
            group: self.group,
            name,
            req,
            expect,
        });
        self
    }
}

/// `q` percent-encoded as a query value.
fn enc(q: &str) -> String {
    form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

fn items(query: &str) -> String {
    format!("/collections/zones/items?{query}")
}

fn filter(cql2_text: &str) -> String {
    items(&format!("filter={}", enc(cql2_text)))
}

const GOOD: &str = "/locate?lon=36.63&lat=35.93";

fn table() -> Vec<Case> {
    let mut cases = Vec::new();

    // Bodies built once.
    let ten_mb_pairs = {
        let mut b = Vec::with_capacity(10 * 1024 * 1024 + 32);
        b.push(b'[');
        while b.len() < 10 * 1024 * 1024 {
            b.extend_from_slice(b"[36.63,35.93],");
        }
        b.extend_from_slice(b"[36.63,35.93]]");
        b
    };
    let over_limit = {
        // Valid JSON (`[]` padded with spaces): only the size refuses it.
        let mut b = vec![b' '; BODY_LIMIT + 1024 * 1024];
        b[0] = b'[';
        *b.last_mut().unwrap() = b']';
        b
    };
    let deep_arrays = "[".repeat(100_000);

    Group {
        cases: &mut cases,
        group: "GET /locate",
    }
    .row(
        // hyper (httparse) refuses raw bytes over 0x7E in the target.
        "raw invalid UTF-8 byte in the query",
        get(b"/locate?lon=\xff\xfe&lat=35.93"),
        hyper_refusal(400),
    )
    .row(
        "percent-encoded invalid UTF-8 (%FF)",
        get("/locate?lon=%FF&lat=35.93"),
        invalid("lon"),
    )
    .row(
        "overlong UTF-8 dot (%C0%AE)",
        get("/locate?lon=36.63&lat=%C0%AE"),
        invalid("lat"),
    )
    .row(
        "invalid percent sequence %zz",
        get("/locate?lon=%zz&lat=35.93"),
        invalid("lon"),
    )
    .row(
        "NUL byte (%00) after the number",
        get("/locate?lon=36.63%00&lat=35.93"),
        invalid("lon"),
    )
    .row(
        "encoded & and = smuggle lat into lon",
        get("/locate?lon=36.63%26lat%3D35.93"),
        invalid("lon"),
    )
    .row(
        "duplicate lon",
        get("/locate?lon=36.63&lon=1&lat=35.93"),
        param("duplicate-parameter", "lon"),
    )
    .row(
        "duplicate lon spelt l%6Fn",
        get("/locate?l%6Fn=36.63&lon=36.63&lat=35.93"),
        param("duplicate-parameter", "lon"),
    )
    .row(
        "unknown lng suggests lon",
        get("/locate?lng=36.63&lat=35.93"),
        problem(400, "unknown-parameter", "did you mean `lon`"),
    )
    .row(
        "unknown upper-case LAT",
        get("/locate?lon=36.63&LAT=35.93"),
        param("unknown-parameter", "LAT"),
    )
    .row(
        "a value without a name (=1)",
        get("/locate?=1&lon=36.63&lat=35.93"),
        problem(400, "unknown-parameter", "no name"),
    )
    .row(
        "lat missing",
        get("/locate?lon=36.63"),
        param("missing-parameter", "lat"),
    )
    .row("empty lon", get("/locate?lon=&lat=35.93"), invalid("lon"))
    .row(
        "lon without =",
        get("/locate?lon&lat=35.93"),
        invalid("lon"),
    )
    .row(
        "1e400 overflows to infinity",
        get("/locate?lon=36.63&lat=1e400"),
        invalid("lat"),
    )
    .row(
        "a 400-digit number",
        get(format!("/locate?lon=36.63&lat=1{}", "0".repeat(399))),
        invalid("lat"),
    )
    .row(
        "hex float 0x1p3",
        get("/locate?lon=0x1p3&lat=35.93"),
        invalid("lon"),
    )
    .row("NaN", get("/locate?lon=36.63&lat=NaN"), invalid("lat"))
    .row("inf", get("/locate?lon=inf&lat=35.93"), invalid("lon"))
    .row(
        "-Infinity",
        get("/locate?lon=-Infinity&lat=35.93"),
        invalid("lon"),
    )
    .row(
        "lat just above 90",
        get("/locate?lon=36.63&lat=90.0000001"),
        invalid("lat"),
    )
    .row(
        "+ in a query is a space",
        get("/locate?lon=36.63&lat=+35.93"),
        invalid("lat"),
    )
    .row(
        "; is not a separator",
        get("/locate?lon=36.63&lat=35.93;at=2017-09-01"),
        invalid("lat"),
    )
    .row(
        "at 2018-02-30",
        get("/locate?lon=36.63&lat=35.93&at=2018-02-30"),
        invalid("at"),
    )
    .row(
        "at as a date-time",
        get("/locate?lon=36.63&lat=35.93&at=2018-02-01T00:00:00Z"),
        invalid("at"),
    )
    .row(
        "9 KB query string (over --max-uri-bytes, 8 KiB)",
        get(format!("{GOOD}&pad={}", "a".repeat(9 * 1024))),
        problem(414, "uri-too-long", "query"),
    )
    .row(
        // Over hyper's fixed 64 KiB: refused before the service runs.
        "100 KB query string",
        get(format!("{GOOD}&pad={}", "a".repeat(100 * 1024))),
        hyper_refusal(414),
    )
    .row(
        "17 KB header (over --max-header-bytes, 16 KiB)",
        get(GOOD).header("X-Pad", "a".repeat(17 * 1024)),
        problem(431, "headers-too-large", "header"),
    )
    .row(
        "200 KB header",
        get(GOOD).header("X-Pad", "a".repeat(200 * 1024)),
        problem(431, "headers-too-large", "header"),
    )
    .row(
        // Over hyper's read buffer (about 400 KB): refused before the service runs.
        "500 KB header",
        get(GOOD).header("X-Pad", "a".repeat(500 * 1024)),
        hyper_refusal(431),
    )
    .row(
        "80 header fields (over --max-headers, 64)",
        (0..80).fold(get(GOOD), |r, i| r.header(&format!("X-H{i}"), "1")),
        problem(431, "headers-too-large", "header"),
    )
    .row(
        // Over hyper's 100: refused before the service runs.
        "200 header fields",
        (0..200).fold(get(GOOD), |r, i| r.header(&format!("X-H{i}"), "1")),
        hyper_refusal(431),
    )
    .row(
        "HTTP/1.1 without Host",
        get(GOOD).no_host(),
        problem(400, "bad-request", "Host"),
    )
    .row(
        "DELETE",
        method("DELETE", GOOD),
        not_allowed("DELETE", "GET,HEAD,POST"),
    )
    .row(
        "PATCH",
        method("PATCH", GOOD),
        not_allowed("PATCH", "GET,HEAD,POST"),
    )
    .row(
        "BREW (RFC 2324)",
        method("BREW", GOOD),
        not_allowed("BREW", "GET,HEAD,POST"),
    )
    .row(
        "lower-case get is another method",
        method("get", GOOD),
        not_allowed("get", "GET,HEAD,POST"),
    )
    .row(
        "accepted: exponent 3.6e1 (documented)",
        get("/locate?lon=3.6e1&lat=35.93"),
        success(
            200,
            "application/json",
            r#""point":{"lon":36.0,"lat":35.93}"#,
        ),
    )
    .row(
        "accepted: -0 becomes 0",
        get("/locate?lon=-0&lat=35.93"),
        success(
            200,
            "application/json",
            r#""point":{"lon":0.0,"lat":35.93}"#,
        ),
    );

    Group {
        cases: &mut cases,
        group: "POST /locate",
    }
    .row(
        "text/plain",
        post("/locate", "text/plain", "[[36.63,35.93]]"),
        problem(415, "unsupported-media-type", "Content-Type"),
    )
    .row(
        "multipart/form-data",
        post(
            "/locate",
            "multipart/form-data; boundary=x",
            "[[36.63,35.93]]",
        ),
        problem(415, "unsupported-media-type", "Content-Type"),
    )
    .row(
        "application/json-seq",
        post("/locate", "application/json-seq", "[[36.63,35.93]]"),
        problem(415, "unsupported-media-type", "Content-Type"),
    )
    .row(
        "Content-Type with an invalid byte",
        method("POST", "/locate")
            .header("Content-Type", b"application/\xffjson")
            .body("[[36.63,35.93]]"),
        problem(415, "unsupported-media-type", "Content-Type"),
    )
    .row("empty body", post_json(""), bad_body("empty"))
    .row(
        "unterminated JSON",
        post_json("[[36.63,35.93]"),
        bad_body("not valid JSON"),
    )
    .row(
        "100k nested [",
        post_json(deep_arrays.clone()),
        bad_body("not valid JSON"),
    )
    .row(
        "100k nested objects",
        post_json(r#"{"a":"#.repeat(100_000)),
        bad_body("not valid JSON"),
    )
    .row(
        "Point coordinates nested 100k deep",
        post_json(format!(r#"{{"type":"Point","coordinates":{deep_arrays}"#)),
        bad_body("not valid JSON"),
    )
    .row(
        "JSON number 1e400",
        post_json("[[1e400,35.93]]"),
        bad_body("not valid JSON"),
    )
    .row(
        "NaN is not JSON",
        post_json("[[NaN,35.93]]"),
        bad_body("not valid JSON"),
    )
    .row("JSON null", post_json("null"), bad_body("null"))
    .row(
        "unknown GeoJSON type",
        post_json(r#"{"type":"Banana"}"#),
        bad_body("not valid GeoJSON"),
    )
    .row(
        "Point with one number",
        post_json(r#"{"type":"Point","coordinates":[36.63]}"#),
        bad_body("position"),
    )
    .row(
        "Point with 4 numbers (4D)",
        post_json(r#"{"type":"Point","coordinates":[36.63,35.93,1,2]}"#),
        bad_item(0),
    )
    .row(
        "pair with 4 numbers",
        post_json("[[36.63,35.93],[36.63,35.93,1,2]]"),
        bad_item(1),
    )
    .row(
        "MultiPoint position of one number",
        post_json(r#"{"type":"MultiPoint","coordinates":[[36.63,35.93],[1]]}"#),
        bad_item(1),
    )
    .row(
        "pair of strings",
        post_json(r#"[["36.63","35.93"]]"#),
        bad_item(0),
    )
    .row(
        "lon 200",
        post_json("[[36.63,35.93],[36.63,35.93],[200,0]]"),
        bad_item(2),
    )
    .row(
        "Polygon",
        post_json(r#"{"type":"Polygon","coordinates":[[[36,35],[37,35],[37,36],[36,35]]]}"#),
        bad_item(0),
    )
    .row(
        "GeometryCollection",
        post_json(r#"{"type":"GeometryCollection","geometries":[]}"#),
        bad_item(0),
    )
    .row(
        "Feature with null geometry",
        post_json(r#"{"type":"Feature","geometry":null,"properties":{}}"#),
        bad_item(0),
    )
    .row(
        "FeatureCollection: feature 1 without geometry",
        post_json(
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[36.63,35.93]},"properties":null},{"type":"Feature","geometry":null,"properties":null}]}"#,
        ),
        bad_item(1),
    )
    .row(
        "FeatureCollection: feature 2 a LineString",
        post_json(
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[36.63,35.93]},"properties":null},{"type":"Feature","geometry":{"type":"Point","coordinates":[36.3,33.51]},"properties":null},{"type":"Feature","geometry":{"type":"LineString","coordinates":[[36,35],[37,36]]},"properties":null}]}"#,
        ),
        bad_item(2),
    )
    .row(
        "10 MB of pairs: over the batch limit",
        post_json(ten_mb_pairs),
        problem(413, "payload-too-large", "100000"),
    )
    .row(
        "10 MB of 0xFF bytes",
        post_json(vec![0xFF; 10 * 1024 * 1024]),
        bad_body("not valid JSON"),
    )
    .row(
        "17 MB body with its Content-Length",
        post_json(over_limit.clone()),
        problem(413, "payload-too-large", "16777216"),
    )
    .row(
        "17 MB chunked body",
        post_json(over_limit).chunked(),
        problem(413, "payload-too-large", "16777216"),
    )
    .row(
        "Content-Length claims 99999999999 bytes",
        post_json("[[36.63,35.93]]").length("99999999999"),
        problem(413, "payload-too-large", "16777216"),
    )
    .row(
        "Content-Length 100, 14 bytes sent, then EOF",
        post_json("[[36.63,35.93]")
            .length("100")
            .half_close(),
        bad_body("body"),
    )
    .row(
        "Content-Length 5, 15 bytes sent",
        post_json("[[36.63,35.93]]").length("5"),
        bad_body("not valid JSON"),
    )
    .row(
        // A framing error: hyper refuses it while reading the head.
        "Content-Length: abc",
        post_json("[[36.63,35.93]]").length("abc"),
        hyper_refusal(400),
    )
    .row(
        // A framing error (RFC 9112 §6.3): hyper refuses it while reading the head.
        "two different Content-Lengths",
        post_json("[[36.63,35.93]] ")
            .header("Content-Length", "16")
            .length("15"),
        hyper_refusal(400),
    )
    .row(
        "bad chunk size",
        raw(
            b"POST /locate HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
              Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n\
              zz\r\n[]\r\n0\r\n\r\n"
                .to_vec(),
        ),
        bad_body("body"),
    )
    .row(
        "at 2018-02-30",
        post("/locate?at=2018-02-30", "application/json", "[[36.63,35.93]]"),
        invalid("at"),
    )
    .row(
        "lon in the query of a batch",
        post("/locate?lon=36.63", "application/json", "[[36.63,35.93]]"),
        param("unknown-parameter", "lon"),
    )
    .row(
        "accepted: a 3D Point (height ignored, documented)",
        post_json(r#"{"type":"Point","coordinates":[36.63,35.93,500]}"#),
        success(200, "application/json", r#""id":"idlib""#),
    )
    .row(
        "accepted: a 3D pair",
        post_json("[[36.63,35.93,500]]"),
        success(200, "application/json", r#""id":"idlib""#),
    );

    Group {
        cases: &mut cases,
        group: "/zones",
    }
    .row("at 2018-13-01", get("/zones?at=2018-13-01"), invalid("at"))
    .row("empty at", get("/zones?at="), invalid("at"))
    .row(
        "duplicate at",
        get("/zones?at=2017-09-01&at=2018-01-01"),
        param("duplicate-parameter", "at"),
    )
    .row(
        "unknown zone parameter",
        get("/zones?zone=idlib"),
        param("unknown-parameter", "zone"),
    )
    .row(
        "POST",
        post("/zones", "application/json", "[]"),
        not_allowed("POST", "GET,HEAD"),
    )
    .row(
        "DELETE",
        method("DELETE", "/zones"),
        not_allowed("DELETE", "GET,HEAD"),
    );

    Group {
        cases: &mut cases,
        group: "/zones/{id}",
    }
    .row("unknown id", get("/zones/raqqa"), not_found("raqqa"))
    .row(
        "traversal ..%2f..%2fetc%2fpasswd",
        get("/zones/..%2f..%2fetc%2fpasswd"),
        not_found("../../etc/passwd"),
    )
    .row(
        "%2e%2e",
        get("/zones/%2e%2e"),
        not_found("there is no zone"),
    )
    .row(
        "NUL (%00)",
        get("/zones/idlib%00"),
        not_found("there is no zone"),
    )
    .row(
        "%FF (invalid UTF-8)",
        get("/zones/%FF"),
        not_found("cannot be read"),
    )
    .row(
        "overlong %C0%AE%C0%AE",
        get("/zones/%C0%AE%C0%AE"),
        not_found("cannot be read"),
    )
    .row("%zz", get("/zones/%zz"), not_found("%zz"))
    .row(
        // hyper (httparse) refuses raw bytes over 0x7E in the target.
        "raw invalid UTF-8 bytes in the path",
        get(b"/zones/\xff\xfe"),
        hyper_refusal(400),
    )
    .row(
        "9 KB path (over --max-uri-bytes, 8 KiB)",
        get(format!("/zones/{}", "a".repeat(9 * 1024))),
        problem(414, "uri-too-long", "path"),
    )
    .row(
        // Over hyper's fixed 64 KiB: refused before the service runs.
        "100 KB path",
        get(format!("/zones/{}", "a".repeat(100 * 1024))),
        hyper_refusal(414),
    )
    .row("bad at", get("/zones/idlib?at=tomorrow"), invalid("at"))
    .row(
        "not in force on at",
        get("/zones/eastern-ghouta?at=2019-01-01"),
        not_found("not in force"),
    )
    .row(
        "before a zone with no end",
        get("/zones/idlib?at=2016-01-01"),
        not_found("valid from 2017-05-06, with no end"),
    )
    .row(
        "PUT",
        method("PUT", "/zones/idlib"),
        not_allowed("PUT", "GET,HEAD"),
    );

    Group {
        cases: &mut cases,
        group: "/collections",
    }
    .row("f=xml", get("/collections?f=xml"), invalid("f"))
    .row(
        "Accept: image/png",
        get("/collections").header("Accept", "image/png"),
        problem(406, "not-acceptable", "image/png"),
    )
    .row(
        "Accept refuses both (q=0)",
        get("/collections").header("Accept", "text/html;q=0, application/json;q=0"),
        problem(406, "not-acceptable", "Accept"),
    )
    .row(
        "unknown parameter",
        get("/collections?limit=1"),
        param("unknown-parameter", "limit"),
    )
    .row(
        "DELETE",
        method("DELETE", "/collections"),
        not_allowed("DELETE", "GET,HEAD"),
    );

    Group {
        cases: &mut cases,
        group: "/collections/{id}",
    }
    .row(
        "unknown collection",
        get("/collections/roads"),
        not_found("roads"),
    )
    .row(
        "traversal %2e%2e%2f",
        get("/collections/%2e%2e%2fzones"),
        not_found("there is no collection"),
    )
    .row(
        "f=JSON (case matters)",
        get("/collections/zones?f=JSON"),
        invalid("f"),
    )
    .row(
        "Accept: application/xml",
        get("/collections/zones").header("Accept", "application/xml"),
        problem(406, "not-acceptable", "application/xml"),
    );

    Group {
        cases: &mut cases,
        group: "/collections/{id}/items",
    }
    .row("limit=0", get(items("limit=0")), invalid("limit"))
    .row("limit=-1", get(items("limit=-1")), invalid("limit"))
    .row("limit=1e3", get(items("limit=1e3")), invalid("limit"))
    .row("limit=1.5", get(items("limit=1.5")), invalid("limit"))
    .row("empty limit", get(items("limit=")), invalid("limit"))
    .row("offset=-1", get(items("offset=-1")), invalid("offset"))
    .row("offset=ten", get(items("offset=ten")), invalid("offset"))
    .row(
        "duplicate offset",
        get(items("offset=1&offset=2")),
        param("duplicate-parameter", "offset"),
    )
    .row(
        "bbox of 3 numbers",
        get(items("bbox=1,2,3")),
        invalid("bbox"),
    )
    .row(
        "bbox of 5 numbers",
        get(items("bbox=1,2,3,4,5")),
        invalid("bbox"),
    )
    .row("bbox ,,,", get(items("bbox=,,,")), invalid("bbox"))
    .row(
        "bbox with NaN",
        get(items("bbox=NaN,0,1,1")),
        invalid("bbox"),
    )
    .row(
        "bbox with 1e400",
        get(items("bbox=1e400,0,1,1")),
        invalid("bbox"),
    )
    .row(
        "bbox lon 200",
        get(items("bbox=0,0,200,1")),
        invalid("bbox"),
    )
    .row(
        "bbox south > north",
        get(items("bbox=0,2,1,1")),
        invalid("bbox"),
    )
    .row(
        "bbox-crs EPSG:4326",
        get(items("bbox-crs=EPSG:4326")),
        invalid("bbox-crs"),
    )
    .row(
        "datetime ../..",
        get(items("datetime=../..")),
        invalid("datetime"),
    )
    .row(
        "datetime month 13",
        get(items("datetime=2018-13-01")),
        invalid("datetime"),
    )
    .row(
        "datetime hour 25",
        get(items("datetime=2018-06-01T25:00:00Z")),
        invalid("datetime"),
    )
    .row(
        "datetime interval reversed",
        get(items("datetime=2019-01-01/2018-01-01")),
        invalid("datetime"),
    )
    .row(
        "datetime a/b/c",
        get(items("datetime=a/b/c")),
        invalid("datetime"),
    )
    .row(
        "empty datetime",
        get(items("datetime=")),
        invalid("datetime"),
    )
    .row(
        "filter number =",
        get(filter("number =")),
        invalid("filter"),
    )
    .row(
        "filter on a property that is not queryable",
        get(filter("colour = 'red'")),
        invalid("filter"),
    )
    .row("filter NUL", get(items("filter=%00")), invalid("filter"))
    .row(
        "filter comparing a string to a number",
        get(filter("name = 3")),
        invalid("filter"),
    )
    .row(
        "filter nested 1000 parentheses (2 KB, sent unencoded)",
        get(items(&format!(
            "filter={}number+=+1{}",
            "(".repeat(1000),
            ")".repeat(1000)
        ))),
        invalid("filter"),
    )
    .row(
        "filter of 1000 NOTs (4 KB)",
        get(items(&format!("filter={}number+=+1", "NOT+".repeat(1000)))),
        invalid("filter"),
    )
    .row(
        "cql2-json that is not JSON",
        get(items("filter=%7B&filter-lang=cql2-json")),
        invalid("filter"),
    )
    .row(
        "cql2-json nested 1000 [",
        get(items(&format!(
            "filter={}&filter-lang=cql2-json",
            "[".repeat(1000)
        ))),
        invalid("filter"),
    )
    .row(
        "filter-lang sql",
        get(items("filter=true&filter-lang=sql")),
        invalid("filter-lang"),
    )
    .row(
        "filter-lang without filter",
        get(items("filter-lang=cql2-text")),
        invalid("filter-lang"),
    )
    .row(
        "filter-crs EPSG:3857",
        get(items("filter=true&filter-crs=EPSG:3857")),
        invalid("filter-crs"),
    )
    .row("f=xml", get(items("f=xml")), invalid("f"))
    .row("empty f", get(items("f=")), invalid("f"))
    .row(
        "f twice",
        get(items("f=json&f=html")),
        param("duplicate-parameter", "f"),
    )
    .row(
        "Accept: image/png",
        get(items("limit=1")).header("Accept", "image/png"),
        problem(406, "not-acceptable", "image/png"),
    )
    .row(
        "unknown parameter",
        get(items("properties=name")),
        param("unknown-parameter", "properties"),
    )
    .row(
        "unknown collection",
        get("/collections/roads/items"),
        not_found("roads"),
    )
    .row(
        "POST",
        post("/collections/zones/items", "application/json", "{}"),
        not_allowed("POST", "GET,HEAD"),
    )
    .row(
        "accepted: a huge limit is clamped (documented)",
        get(items("limit=99999999999999999999999")),
        success(200, "application/geo+json", r#""numberReturned":4"#),
    );

    Group {
        cases: &mut cases,
        group: "/collections/{id}/items/{fid}",
    }
    .row(
        "unknown item",
        get("/collections/zones/items/raqqa"),
        not_found("raqqa"),
    )
    .row(
        "%FF in the item id",
        get("/collections/zones/items/%FF"),
        not_found("cannot be read"),
    )
    .row(
        "traversal ..%2f..%2fCargo.toml",
        get("/collections/zones/items/..%2f..%2fCargo.toml"),
        not_found("../../Cargo.toml"),
    )
    .row(
        "limit is not taken",
        get("/collections/zones/items/idlib?limit=1"),
        param("unknown-parameter", "limit"),
    )
    .row(
        "f=geojson",
        get("/collections/zones/items/idlib?f=geojson"),
        invalid("f"),
    )
    .row(
        "Accept: text/csv",
        get("/collections/zones/items/idlib").header("Accept", "text/csv"),
        problem(406, "not-acceptable", "text/csv"),
    );

    Group {
        cases: &mut cases,
        group: "/collections/{id}/queryables",
    }
    .row(
        "unknown collection",
        get("/collections/roads/queryables"),
        not_found("roads"),
    )
    .row(
        "f=xml",
        get("/collections/zones/queryables?f=xml"),
        invalid("f"),
    )
    .row(
        "unknown parameter x: no hint of a parameter it does not take",
        get("/collections/zones/queryables?x=1"),
        param("unknown-parameter", "x").lacks("did you mean `lon`"),
    );

    Group {
        cases: &mut cases,
        group: "/conformance",
    }
    .row("f=pdf", get("/conformance?f=pdf"), invalid("f"))
    .row(
        "Accept: */*;q=0",
        get("/conformance").header("Accept", "*/*;q=0"),
        problem(406, "not-acceptable", "Accept"),
    )
    .row(
        "DELETE",
        method("DELETE", "/conformance"),
        not_allowed("DELETE", "GET,HEAD"),
    );

    Group {
        cases: &mut cases,
        group: "/ (landing)",
    }
    .row("f=xml", get("/?f=xml"), invalid("f"))
    .row(
        "Accept: application/xml",
        get("/").header("Accept", "application/xml"),
        problem(406, "not-acceptable", "application/xml"),
    );

    Group {
        cases: &mut cases,
        group: "(any path)",
    }
    .row(
        // Not HTTP: hyper refuses it while reading the head.
        "a TLS ClientHello instead of HTTP",
        raw(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n".to_vec()),
        hyper_refusal(400),
    )
    .row("unknown path /.env", get("/.env"), not_found("/.env"))
    .row(
        "encoded traversal at the root",
        get("/%2e%2e/%2e%2e/etc/passwd"),
        not_found("no resource"),
    );

    Group {
        cases: &mut cases,
        group: "/api",
    }
    .row("f=xml", get("/api?f=xml"), invalid("f"))
    .row(
        "an unknown parameter",
        get("/api?format=json"),
        param("unknown-parameter", "format"),
    )
    .row(
        "POST",
        post("/api", "application/json", "{}"),
        not_allowed("POST", "GET,HEAD"),
    );

    Group {
        cases: &mut cases,
        group: "/map",
    }
    .row("zone raqqa", get("/map?zone=raqqa"), invalid("zone"))
    .row("embed=yes", get("/map?embed=yes"), invalid("embed"))
    .row(
        "lon without lat",
        get("/map?lon=36.3"),
        param("missing-parameter", "lat"),
    )
    .row("lon 0x1p3", get("/map?lon=0x1p3&lat=1"), invalid("lon"))
    .row("zoom 19", get("/map?zoom=19"), invalid("zoom"))
    .row("zoom NaN", get("/map?zoom=NaN"), invalid("zoom"))
    .row(
        "point of one number",
        get("/map?point=36.6"),
        invalid("point"),
    )
    .row(
        "tiles javascript:",
        get(format!(
            "/map?tiles={}",
            enc("javascript:alert(1)//{z}{x}{y}")
        )),
        invalid("tiles"),
    )
    .row(
        "tiles_attribution without tiles",
        get("/map?tiles_attribution=x"),
        invalid("tiles_attribution"),
    )
    .row(
        "BREW",
        method("BREW", "/map"),
        not_allowed("BREW", "GET,HEAD"),
    );

    Group {
        cases: &mut cases,
        group: "/map/assets/{name}",
    }
    .row(
        "raw ../../Cargo.toml",
        get("/map/assets/../../Cargo.toml"),
        not_found("no resource"),
    )
    .row(
        "%2e%2e%2fCargo.toml",
        get("/map/assets/%2e%2e%2fCargo.toml"),
        not_found("../Cargo.toml"),
    )
    .row(
        "unknown file",
        get("/map/assets/leaflet.js"),
        not_found("leaflet.js"),
    )
    .row(
        "a query parameter",
        get("/map/assets/leaflet.js?v=1"),
        param("unknown-parameter", "v"),
    )
    .row(
        "DELETE",
        method("DELETE", "/map/assets/leaflet.js"),
        not_allowed("DELETE", "GET,HEAD"),
    );

    Group {
        cases: &mut cases,
        group: "/problems/{type}",
    }
    .row("unknown type", get("/problems/teapot"), not_found("teapot"))
    .row(
        "%2e%2e",
        get("/problems/%2e%2e"),
        not_found("no problem type"),
    )
    .row(
        "a query parameter",
        get("/problems/not-found?lang=ar"),
        param("unknown-parameter", "lang"),
    )
    .row(
        "POST",
        post("/problems/not-found", "application/json", "{}"),
        not_allowed("POST", "GET,HEAD"),
    );

    Group {
        cases: &mut cases,
        group: "/healthz",
    }
    .row(
        "a query parameter",
        get("/healthz?verbose"),
        param("unknown-parameter", "verbose"),
    )
    .row(
        "x: no hint of a parameter it does not take",
        get("/healthz?x=1"),
        param("unknown-parameter", "x").lacks("did you mean"),
    )
    .row(
        "POST",
        post("/healthz", "application/json", "{}"),
        not_allowed("POST", "GET,HEAD"),
    );

    cases
}

/// The good request still answers: 200, zone idlib.
fn still_answers(addr: &str) -> Result<(), String> {
    let answer = send(addr, &get(GOOD))?;
    let body: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    if answer.status == 200 && body["zones"][0]["id"] == "idlib" {
        Ok(())
    } else {
        Err(answer.describe())
    }
}

#[test]
fn hostile_requests_get_exact_problems_and_the_server_keeps_answering() {
    let started = Instant::now();
    let cases = table();
    let mut server = Server::start();
    let mut failures: Vec<String> = Vec::new();
    let mut passed = 0;
    for (n, case) in cases.iter().enumerate() {
        let label = format!("#{} [{}] {}", n + 1, case.group, case.name);
        let mut faults = Vec::new();
        let actual = match send(&server.addr, &case.req) {
            Ok(answer) => {
                if let Err(why) = case.expect.check(&answer) {
                    faults.push(why);
                }
                answer.describe()
            }
            Err(why) => {
                faults.push(why.clone());
                why
            }
        };
        if let Err(why) = still_answers(&server.addr) {
            match server.died() {
                Some(death) => {
                    faults.push(format!("{death}\n      (restarted for the next rows)"));
                    server = Server::start();
                }
                None => faults.push(format!("the good request {GOOD} then got: {why}")),
            }
        }
        if faults.is_empty() {
            passed += 1;
            println!("ok    {label}");
        } else {
            println!("FAIL  {label}");
            failures.push(format!(
                "{label}\n    request:  {}\n    expected: {}\n    actual:   {actual}\n    why:      {}",
                case.req.describe(),
                case.expect.describe(),
                faults.join("\n              ")
            ));
        }
    }
    let summary = format!(
        "{} cases: {passed} passed, {} failed, in {:.1} s",
        cases.len(),
        failures.len(),
        started.elapsed().as_secs_f64()
    );
    println!("{summary}");
    assert!(
        failures.is_empty(),
        "{summary}\n\n{}",
        failures.join("\n\n")
    );
}

/// Load shedding and the request timeout, on a server that answers one
/// request at a time and waits 3 s for an answer: a `POST` whose body stops
/// after 10 of its 100 bytes holds the one place, so another request is
/// refused at once (503, `Retry-After: 1`), but the probes and the metrics
/// are not; after 3 s the `POST` gets a 408 and its connection is closed, and
/// the place is free again.
#[test]
fn a_slow_upload_is_shed_against_and_then_timed_out() {
    let server = Server::start_with(&["--max-in-flight", "1", "--request-timeout-ms", "3000"]);
    // The upload and the next request race for the one place: if the server
    // reads the next request's head first, the upload is the one shed. So
    // the next request waits a moment, and the whole exchange is tried again
    // (with a new upload) when the upload lost the race.
    let mut attempts = 0;
    let (mut slow, started, shed) = loop {
        attempts += 1;
        let mut slow = TcpStream::connect(&server.addr).unwrap();
        slow.set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let started = Instant::now();
        slow.write_all(
            b"POST /locate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n[[36.63,35",
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let answer = send(&server.addr, &get(GOOD)).unwrap();
        if answer.status != 200 || attempts == 5 {
            break (slow, started, answer);
        }
        // Lost the race: the upload was answered (a 503) and its connection
        // closed, so its place is free again.
        slow.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut early = Vec::new();
        let _ = slow.read_to_end(&mut early);
        assert!(
            parse_answer(&early, true).is_some_and(|a| a.status == 503),
            "the second request got a 200 while the upload was in flight: {}",
            clip(&early, 300)
        );
    };
    problem(503, "service-unavailable", "max_in_flight")
        .check(&shed)
        .unwrap_or_else(|why| panic!("the second request: {why}: {}", shed.describe()));
    assert_eq!(shed.header("retry-after"), Some("1"), "{}", shed.describe());
    // The probes and the metrics still answer while the place is taken.
    for path in ["/healthz", "/readyz", "/metrics"] {
        let answer = send(&server.addr, &get(path)).unwrap();
        assert_eq!(
            answer.status,
            200,
            "{path} while shedding: {}",
            answer.describe()
        );
    }

    let mut bytes = Vec::new();
    let _ = slow.read_to_end(&mut bytes);
    let elapsed = started.elapsed();
    let timed_out = parse_answer(&bytes, true)
        .unwrap_or_else(|| panic!("the slow upload got no answer: {}", clip(&bytes, 300)));
    problem(408, "request-timeout", "3000 ms")
        .check(&timed_out)
        .unwrap_or_else(|why| panic!("the slow upload: {why}: {}", timed_out.describe()));
    assert_eq!(timed_out.header("connection"), Some("close"));
    assert!(
        elapsed >= Duration::from_millis(2900) && elapsed < Duration::from_secs(15),
        "answered after {elapsed:?}"
    );
    still_answers(&server.addr).unwrap();
}

#[test]
fn the_table_covers_every_endpoint_with_enough_rows() {
    let cases = table();
    let refusals = cases
        .iter()
        .filter(|c| matches!(c.expect.body, Body::Problem { .. }))
        .count();
    assert!(refusals >= 70, "only {refusals} hostile rows");
    for group in [
        "GET /locate",
        "POST /locate",
        "/zones",
        "/zones/{id}",
        "/collections",
        "/collections/{id}",
        "/collections/{id}/items",
        "/collections/{id}/items/{fid}",
        "/collections/{id}/queryables",
        "/conformance",
        "/ (landing)",
        "/api",
        "/map",
        "/map/assets/{name}",
        "/problems/{type}",
        "/healthz",
    ] {
        assert!(cases.iter().any(|c| c.group == group), "no row for {group}");
    }
    let mut names: Vec<(&str, &str)> = cases.iter().map(|c| (c.group, c.name)).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "row names repeat within a group");
}
