//! Reloading the data without downtime, on the real binary over real HTTP on
//! 127.0.0.1: `SIGHUP` with a changed file, with a broken file, and ten
//! reloads under load; and the served collections loading back as `--geodata`.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

use std::{
    io::{BufRead as _, BufReader, Read as _, Write as _},
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        Arc, Condvar, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_dezone");

/// Lines the server logged, and a signal for each new one.
#[derive(Default)]
struct Log {
    lines: Mutex<Vec<String>>,
    grew: Condvar,
}

impl Log {
    /// Waits until `count` logged lines contain `needle`; returns the last.
    fn wait_for(&self, needle: &str, count: usize, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        let mut lines = self.lines.lock().unwrap();
        loop {
            let found: Vec<&String> = lines.iter().filter(|l| l.contains(needle)).collect();
            if found.len() >= count {
                return found[count - 1].clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "no {count} log lines with {needle:?} in {timeout:?}; the log:\n{}",
                lines.join("\n")
            );
            lines = self.grew.wait_timeout(lines, left).unwrap().0;
        }
    }
}

struct Server {
    child: Child,
    addr: String,
    log: Arc<Log>,
}

impl Server {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(BIN)
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .env("RUST_LOG", "info")
            .env_remove("DEZONE_CONFIG")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Log::default());
        let writer = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                writer.lines.lock().unwrap().push(line);
                writer.grew.notify_all();
            }
        });
        let line = log.wait_for("listening on http://", 1, Duration::from_secs(60));
        let addr = line.split("listening on http://").nth(1).unwrap().trim();
        Self {
            child,
            addr: addr.to_owned(),
            log,
        }
    }

    /// Waits until `count` logged lines contain `needle`; returns the last.
    fn wait_for_log(&self, needle: &str, count: usize, timeout: Duration) -> String {
        self.log.wait_for(needle, count, timeout)
    }

    fn hang_up(&self) {
        let status = Command::new("kill")
            .args(["-HUP", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Sends one HTTP/1.1 request on a new connection; returns (status, headers, body).
    fn request(&self, head: &str) -> (u16, String, Vec<u8>) {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        write!(
            stream,
            "{head}\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let headers = String::from_utf8_lossy(&raw[..split]).to_string();
        let status = headers[9..12].parse().unwrap();
        (status, headers, raw[split + 4..].to_vec())
    }

    fn get(&self, path: &str) -> (u16, String, Vec<u8>) {
        self.request(&format!("GET {path} HTTP/1.1"))
    }

    fn get_json(&self, path: &str) -> Value {
        let (status, _, body) = self.get(path);
        assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
        serde_json::from_slice(&body).unwrap()
    }

    /// The value of one sample of the metrics, by its whole series text.
    fn metric(&self, series: &str) -> String {
        let (status, headers, body) = self.get("/metrics");
        assert_eq!(status, 200);
        assert!(
            headers
                .to_ascii_lowercase()
                .contains("content-type: text/plain; version=0.0.4"),
            "{headers}"
        );
        let text = String::from_utf8(body).unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
            .unwrap_or_else(|| panic!("no {series} in\n{text}"))
            .to_owned()
    }

    fn stop(mut self) {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        let exit = self.child.wait().unwrap();
        assert!(exit.success(), "graceful shutdown exits 0, got {exit}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn header<'a>(headers: &'a str, name: &str) -> Option<&'a str> {
    headers.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

const SOURCE: &str = "Test fixture: boxes inside Syria, not the real zones";

/// `boxes-in-syria.geojson` with every zone's `source` set to `source`.
fn boxes(source: &str) -> String {
    let text = fixture("boxes-in-syria.geojson");
    assert!(text.contains(SOURCE));
    text.replace(SOURCE, source)
}

/// A scratch file, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("dezone-reload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir.join(name))
    }

    /// Replaces the file's content atomically, as an operator should
    /// (write beside, then rename), so a reload never reads half a file.
    fn write(&self, text: &str) {
        let tmp = self.0.with_extension("tmp");
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, &self.0).unwrap();
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

const RELOADED: &str = "zone data reloaded";
const REFUSED: &str = "zone data reload refused";

#[test]
fn sighup_with_a_changed_valid_file_changes_answers_version_and_etags() {
    let file = Scratch::new("changed.geojson");
    file.write(&boxes(SOURCE));
    let server = Server::start(&["--geodata", file.path()]);

    let (_, headers, body) = server.get("/zones/eastern-ghouta");
    let zone_etag = header(&headers, "etag").unwrap().to_owned();
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["source"],
        SOURCE
    );
    let (_, headers, _) = server.get("/collections/zones/items");
    let items_etag = header(&headers, "etag").unwrap().to_owned();
    let version = server.get_json("/readyz")["data_version"].clone();

    file.write(&boxes("Reloaded without a restart"));
    server.hang_up();
    server.wait_for_log(RELOADED, 1, Duration::from_secs(120));

    let (status, headers, body) = server.request(&format!(
        "GET /zones/eastern-ghouta HTTP/1.1\r\nIf-None-Match: {zone_etag}"
    ));
    assert_eq!(status, 200, "the old ETag no longer matches");
    assert_ne!(header(&headers, "etag").unwrap(), zone_etag);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["source"],
        "Reloaded without a restart"
    );
    let (_, headers, _) = server.get("/collections/zones/items");
    assert_ne!(header(&headers, "etag").unwrap(), items_etag);
    let ready = server.get_json("/readyz");
    assert_ne!(ready["data_version"], version);
    assert_eq!(ready["reloads"]["ok"], 1);
    assert_eq!(
        server.get_json("/healthz")["data_version"],
        ready["data_version"]
    );
    let answer = server.get_json("/locate?lon=36.40&lat=33.55");
    assert_eq!(answer["data"]["version"], ready["data_version"]);

    assert_eq!(
        server.metric("dezone_data_reloads_total{result=\"ok\"}"),
        "1"
    );
    assert_eq!(
        server.metric("dezone_data_reloads_total{result=\"failed\"}"),
        "0"
    );
    let info = format!(
        "dezone_data_info{{version=\"{}\"}}",
        ready["data_version"].as_str().unwrap()
    );
    assert_eq!(server.metric(&info), "1");
    server.stop();
}

#[test]
fn sighup_with_a_broken_file_keeps_serving_the_same_bytes_and_logs_why() {
    let file = Scratch::new("broken.geojson");
    file.write(&boxes(SOURCE));
    let server = Server::start(&["--geodata", file.path()]);
    let paths = [
        "/collections/zones/items",
        "/zones",
        "/zones/idlib",
        "/locate?lon=36.40&lat=33.55",
    ];
    let before: Vec<_> = paths.iter().map(|p| server.get(p)).collect();

    for (round, broken) in [fixture("bad/overlap.geojson"), "{\"type\":".to_owned()]
        .iter()
        .enumerate()
    {
        file.write(broken);
        server.hang_up();
        let line = server.wait_for_log(REFUSED, round + 1, Duration::from_secs(120));
        assert!(line.contains("ERROR"), "{line}");
        assert!(line.contains(file.path()), "the log names the file: {line}");
        let fault = if round == 0 {
            "overlap"
        } else {
            "not valid JSON"
        };
        assert!(line.contains(fault), "the log names the fault: {line}");

        for (path, (status, headers, body)) in paths.iter().zip(&before) {
            let (now_status, now_headers, now_body) = server.get(path);
            assert_eq!((now_status, &now_body), (*status, body), "{path}");
            assert_eq!(
                header(&now_headers, "etag"),
                header(headers, "etag"),
                "{path}"
            );
        }
        let ready = server.get_json("/readyz");
        assert_eq!(ready["reloads"]["failed"], round + 1);
        assert_eq!(
            server.metric("dezone_data_reloads_total{result=\"failed\"}"),
            (round + 1).to_string()
        );
    }
    assert_eq!(
        server.metric("dezone_data_reloads_total{result=\"ok\"}"),
        "0"
    );
    server.stop();
}

/// A keep-alive HTTP/1.1 client: each answer read whole by its Content-Length.
struct Client {
    stream: BufReader<TcpStream>,
    host: String,
}

impl Client {
    fn connect(addr: &str) -> Self {
        let stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        Self {
            stream: BufReader::new(stream),
            host: addr.to_owned(),
        }
    }

    /// (status, body), or why the answer is not a complete HTTP answer.
    fn get(&mut self, path: &str) -> Result<(u16, Vec<u8>), String> {
        write!(
            self.stream.get_mut(),
            "GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n",
            self.host
        )
        .map_err(|e| format!("write: {e}"))?;
        let mut line = String::new();
        self.stream
            .read_line(&mut line)
            .map_err(|e| format!("status line: {e}"))?;
        let status = line
            .get(9..12)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("bad status line {line:?}"))?;
        let mut length = None;
        loop {
            line.clear();
            self.stream
                .read_line(&mut line)
                .map_err(|e| format!("header: {e}"))?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse::<usize>().ok();
            }
        }
        let length = length.ok_or("no Content-Length")?;
        let mut body = vec![0; length];
        self.stream
            .read_exact(&mut body)
            .map_err(|e| format!("body of {length} bytes: {e}"))?;
        Ok((status, body))
    }
}

#[test]
fn ten_reloads_under_load_fail_no_request() {
    let file = Scratch::new("load.geojson");
    let versions = [boxes(SOURCE), boxes("Second version")];
    file.write(&versions[0]);
    let server = Server::start(&["--geodata", file.path()]);

    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..2)
        .map(|n| {
            let stop = Arc::clone(&stop);
            let addr = server.addr.clone();
            std::thread::spawn(move || {
                let mut client = Client::connect(&addr);
                let (mut done, mut failures) = (0_u64, Vec::new());
                let mut versions = std::collections::BTreeSet::new();
                let mut i = 0_u32;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let path = if (i + n).is_multiple_of(3) {
                        "/collections/zones/items".to_owned()
                    } else {
                        let lon = 35.8 + f64::from(i % 60) * 0.1;
                        let lat = 32.4 + f64::from(i % 47) * 0.1;
                        format!("/locate?lon={lon:.3}&lat={lat:.3}")
                    };
                    let result = client.get(&path).and_then(|(status, body)| {
                        let value: Value = serde_json::from_slice(&body)
                            .map_err(|e| format!("{path}: {status}, body not JSON: {e}"))?;
                        let complete = if path.starts_with("/locate") {
                            if let Some(version) = value["data"]["version"].as_str() {
                                versions.insert(version.to_owned());
                            }
                            value["point"].is_object() && value["data"]["version"].is_string()
                        } else {
                            value["features"].as_array().is_some_and(|f| f.len() == 4)
                        };
                        if status == 200 && complete {
                            Ok(())
                        } else {
                            Err(format!("{path}: {status} {value}"))
                        }
                    });
                    done += 1;
                    if let Err(why) = result {
                        failures.push(why);
                        client = Client::connect(&addr);
                    }
                }
                (done, failures, versions)
            })
        })
        .collect();

    for reload in 1..=10 {
        std::thread::sleep(Duration::from_millis(100));
        file.write(&versions[reload % 2]);
        server.hang_up();
        server.wait_for_log(RELOADED, reload, Duration::from_secs(120));
    }
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::Relaxed);
    let (mut total, mut seen) = (0, std::collections::BTreeSet::new());
    for client in clients {
        let (done, failures, versions) = client.join().unwrap();
        assert!(
            failures.is_empty(),
            "{} failed: {failures:#?}",
            failures.len()
        );
        total += done;
        seen.extend(versions);
    }
    assert!(total > 100, "only {total} requests during ten reloads");
    assert_eq!(seen.len(), 2, "answers came from both versions: {seen:?}");
    eprintln!("{total} requests, none failed, during ten reloads");

    let ready = server.get_json("/readyz");
    assert_eq!(ready["reloads"]["ok"], 10);
    assert_eq!(ready["reloads"]["failed"], 0);
    assert_eq!(
        server.metric("dezone_data_reloads_total{result=\"ok\"}"),
        "10"
    );
    assert!(
        server
            .metric("dezone_http_requests_total{route=\"/locate\",status=\"200\"}")
            .parse::<u64>()
            .unwrap()
            > 0,
        "requests are counted by route template"
    );
    server.stop();
}

/// The body without its `timeStamp` (when the server prepared it).
fn without_time_stamp(mut value: Value) -> Value {
    value.as_object_mut().unwrap().remove("timeStamp");
    value
}

#[test]
fn collections_served_load_back_as_geodata_with_the_same_answers() {
    let base = ["--base-url", "http://dezone.test"];
    let original = Server::start(&base);
    let zones = Scratch::new("served-zones.geojson");
    let governorates = Scratch::new("served-governorates.geojson");
    let (status, _, body) = original.get("/collections/zones/items?limit=10000");
    assert_eq!(status, 200);
    zones.write(std::str::from_utf8(&body).unwrap());
    let (status, _, body) = original.get("/collections/governorates/items?limit=10000");
    assert_eq!(status, 200);
    governorates.write(std::str::from_utf8(&body).unwrap());

    let reloaded = Server::start(&[
        base[0],
        base[1],
        "--geodata",
        zones.path(),
        "--governorates",
        governorates.path(),
    ]);
    for path in [
        "/readyz",
        "/zones",
        "/zones/eastern-ghouta",
        "/collections/zones/items?limit=10000",
        "/collections/governorates/items?limit=10000",
        "/collections/zones",
        "/locate?lon=36.63&lat=35.93",
        "/locate?lon=36.40&lat=33.55",
        "/locate?lon=38.0&lat=34.5",
        "/locate?lon=35.90&lat=34.89",
        "/locate?lon=36.0&lat=32.7&at=2018-06-01",
    ] {
        let mut a = without_time_stamp(original.get_json(path));
        let mut b = without_time_stamp(reloaded.get_json(path));
        if path == "/readyz" {
            for v in [&mut a, &mut b] {
                v.as_object_mut().unwrap().remove("loaded_at");
            }
        }
        assert_eq!(a, b, "{path}");
    }
    original.stop();
    reloaded.stop();
}
