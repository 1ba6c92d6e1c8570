//! Serving from one thread per core: [`serve`] accepts connections on the
//! caller's runtime and hands each to one of `workers` threads, each the one
//! worker of a runtime of its own, which serves it to the end as
//! [`guard::serve`] would.
//!
//! A connection's requests are then polled without work stealing between
//! threads (shared queues, wake-ups of the other worker, a connection's task
//! moving between cores): under load `GET /locate` answers about 5 % more
//! requests a second than on one runtime of two workers (benches/README.md).
//! Each new connection goes to the thread serving the fewest, so that the
//! threads share the load; an established connection does not move. The
//! threads share the application state, the admission count and the metrics,
//! as one runtime's workers did.
//!
//! Work that a handler moves off its thread (`spawn_blocking`,
//! `block_in_place`, the batches' rayon pool) is unaffected.

use std::{
    future::Future,
    io,
    num::NonZeroUsize,
    pin::pin,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use tokio::{net::TcpListener, runtime::Runtime, sync::mpsc};

use super::{
    Limits,
    guard::{self, App, Connections, Entered},
};

/// The most threads `dezone serve` runs for serving, and as many for batches.
pub const MAX_THREADS: usize = 1024;

/// The name of serving thread `n`: short enough that Linux, which keeps a
/// thread's first 15 bytes (`top -H`, `ps -L`), shows it whole for every `n`
/// below [`MAX_THREADS`].
///
/// # Examples
///
/// ```
/// use dezone::http::workers::{MAX_THREADS, server_thread_name};
///
/// assert_eq!(server_thread_name(0), "dz-server-0");
/// assert!(server_thread_name(MAX_THREADS - 1).len() <= 15);
/// ```
#[must_use]
pub fn server_thread_name(n: usize) -> String {
    format!("dz-server-{n}")
}

/// The name of batch thread `n` (rayon's pool), as short as
/// [`server_thread_name`]'s.
///
/// # Examples
///
/// ```
/// use dezone::http::workers::{MAX_THREADS, batch_thread_name};
///
/// assert_eq!(batch_thread_name(3), "dz-batch-3");
/// assert!(batch_thread_name(MAX_THREADS - 1).len() <= 15);
/// ```
#[must_use]
pub fn batch_thread_name(n: usize) -> String {
    format!("dz-batch-{n}")
}

/// Serves `app` on `listener` from `workers` threads until `shutdown`
/// resolves; then stops accepting, lets the requests in flight finish (as
/// [`guard::serve`]) and returns once every thread has ended.
///
/// # Errors
///
/// A thread's runtime could not be started.
pub async fn serve<S, F>(
    listener: TcpListener,
    workers: NonZeroUsize,
    app: S,
    limits: Limits,
    shutdown: F,
) -> io::Result<()>
where
    S: App,
    F: Future<Output = ()> + Send + 'static,
{
    let connections = Arc::new(Connections::new(limits));
    let mut threads = Vec::with_capacity(workers.get());
    for n in 0..workers.get() {
        match Worker::start(n, Arc::clone(&connections), app.clone()) {
            Ok(worker) => threads.push(worker),
            Err(error) => {
                stop(threads);
                return Err(error);
            }
        }
    }
    let mut shutdown = pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(error) => {
                    guard::accept_failed(error).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // The thread serving the fewest connections takes it; of equals,
        // the first.
        let Some(worker) = threads
            .iter()
            .min_by_key(|w| w.serving.load(Ordering::Relaxed))
        else {
            break;
        };
        match stream.into_std() {
            // Entered here, so that `finish` waits for it from now.
            Ok(stream) => worker.hand(stream, connections.enter()),
            Err(error) => tracing::debug!(%error, "cannot hand a connection to a thread"),
        }
    }
    drop(listener);
    connections.finish().await;
    stop(threads);
    Ok(())
}

/// A server thread (the one worker of a runtime of its own), and what it is
/// handed.
struct Worker {
    /// Connections to serve; closing it ends the task taking them.
    hand: mpsc::UnboundedSender<(std::net::TcpStream, Entered)>,
    /// How many connections it serves now.
    serving: Arc<AtomicUsize>,
    runtime: Runtime,
}

impl Worker {
    /// Starts thread `n`, serving what it is handed with `app`.
    ///
    /// The runtime is a multi-threaded one of one worker, not a
    /// current-thread one: its worker can then hand its connections to
    /// another thread while it compresses a large body for the first time
    /// (`block_in_place`, see [`super::resource`]).
    fn start<S>(n: usize, connections: Arc<Connections>, app: S) -> io::Result<Self>
    where
        S: App,
    {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name(server_thread_name(n))
            .enable_all()
            .build()?;
        let (hand, mut handed) = mpsc::unbounded_channel::<(std::net::TcpStream, Entered)>();
        let serving = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&serving);
        runtime.spawn(async move {
            while let Some((stream, entered)) = handed.recv().await {
                let stream = match tokio::net::TcpStream::from_std(stream) {
                    Ok(stream) => stream,
                    Err(error) => {
                        tracing::debug!(%error, "cannot take a connection");
                        count.fetch_sub(1, Ordering::Relaxed);
                        continue;
                    }
                };
                let served = connections.serve(stream, app.clone(), entered);
                let count = Arc::clone(&count);
                tokio::spawn(async move {
                    served.await;
                    count.fetch_sub(1, Ordering::Relaxed);
                });
            }
        });
        Ok(Self {
            hand,
            serving,
            runtime,
        })
    }

    /// Hands `stream` to the thread.
    fn hand(&self, stream: std::net::TcpStream, entered: Entered) {
        self.serving.fetch_add(1, Ordering::Relaxed);
        if self.hand.send((stream, entered)).is_err() {
            // The task taking connections has ended (it panicked): the
            // connection is dropped.
            self.serving.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// Ends the threads' runtimes. Their connections have all ended by then
/// ([`Connections::finish`]), or, if starting failed, none was served.
fn stop(workers: Vec<Worker>) {
    for worker in workers {
        drop(worker.hand);
        // Not `drop`: a runtime must not be dropped where blocking is not
        // allowed, as in the caller's runtime.
        worker.runtime.shutdown_background();
    }
}

#[cfg(test)]
mod tests {
    use std::{
        collections::BTreeSet,
        io::{Read, Write},
        net::TcpStream,
        time::Duration,
    };

    use axum::{Router, routing::get};

    use super::*;
    use crate::http::guard::tests::{TestServer, spawn_server, stop_server};

    /// Answers with the name of the thread that made the answer; `/slow`
    /// after 300 ms.
    fn app() -> Router {
        let name = || std::thread::current().name().unwrap_or("").to_owned();
        Router::new()
            .route("/", get(move || async move { name() }))
            .route(
                "/slow",
                get(move || async move {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    name()
                }),
            )
    }

    /// A server of `workers` threads on 127.0.0.1:0, and its shutdown.
    async fn server(workers: usize) -> TestServer {
        let workers = NonZeroUsize::new(workers).unwrap();
        spawn_server(|listener, stop| serve(listener, workers, app(), Limits::DEFAULT, stop)).await
    }

    /// Sends `GET path` on `stream` and reads the answer's body (the
    /// answers here are short and sent with a `content-length`).
    fn get_on(stream: &mut TcpStream, path: &str) -> String {
        write!(stream, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut answer = Vec::new();
        let mut buf = [0_u8; 1024];
        loop {
            let n = stream.read(&mut buf).unwrap();
            assert!(n > 0, "closed before the answer ended");
            answer.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&answer).into_owned();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                assert!(head.starts_with("HTTP/1.1 200"), "{head}");
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length: "))
                    .expect("a content-length")
                    .parse()
                    .unwrap();
                if body.len() >= length {
                    return body.to_owned();
                }
            }
        }
    }

    fn connect(addr: &str) -> TcpStream {
        let stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream
    }

    #[tokio::test]
    async fn connections_are_spread_over_the_threads_and_each_stays_on_its_own() {
        let (addr, stop, server) = server(2).await;
        let threads = tokio::task::spawn_blocking(move || {
            // Four connections open at once: two a thread.
            let mut streams: Vec<_> = (0..4).map(|_| connect(&addr)).collect();
            let first: Vec<String> = streams.iter_mut().map(|s| get_on(s, "/")).collect();
            for (stream, thread) in streams.iter_mut().zip(&first) {
                for _ in 0..3 {
                    assert_eq!(&get_on(stream, "/"), thread, "a connection moved");
                }
            }
            first
        })
        .await
        .unwrap();
        let names: BTreeSet<&str> = threads.iter().map(String::as_str).collect();
        let expected = [server_thread_name(0), server_thread_name(1)];
        assert_eq!(
            names,
            expected.iter().map(String::as_str).collect(),
            "{threads:?}"
        );
        for name in &names {
            assert_eq!(
                threads.iter().filter(|t| t == name).count(),
                2,
                "{threads:?}"
            );
        }
        stop_server(stop, server).await;
    }

    #[tokio::test]
    async fn a_closed_connection_frees_its_place_on_its_thread() {
        let (addr, stop, server) = server(2).await;
        tokio::task::spawn_blocking(move || {
            let mut kept = connect(&addr);
            let busy = get_on(&mut kept, "/");
            for _ in 0..3 {
                // The other thread serves none: each new connection goes there.
                let mut other = connect(&addr);
                assert_ne!(get_on(&mut other, "/"), busy);
                drop(other);
                std::thread::sleep(Duration::from_millis(200));
            }
        })
        .await
        .unwrap();
        stop_server(stop, server).await;
    }

    #[tokio::test]
    async fn shutdown_finishes_requests_in_flight_and_closes_idle_connections() {
        let (addr, stop, server) = server(2).await;
        let (slow, mut idle) = tokio::task::spawn_blocking({
            let addr = addr.clone();
            move || {
                let mut idle = connect(&addr);
                get_on(&mut idle, "/");
                let slow = std::thread::spawn(move || get_on(&mut connect(&addr), "/slow"));
                (slow, idle)
            }
        })
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let started = std::time::Instant::now();
        stop.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(2), server)
            .await
            .expect("the server stopped within 2 s")
            .unwrap()
            .unwrap();
        assert!(
            started.elapsed() >= Duration::from_millis(100),
            "did not wait for /slow"
        );
        let answered = slow.join().unwrap();
        assert!(answered.starts_with("dz-server-"), "{answered}");
        let mut rest = Vec::new();
        assert_eq!(
            idle.read_to_end(&mut rest).unwrap(),
            0,
            "the idle connection closed"
        );
    }
}
