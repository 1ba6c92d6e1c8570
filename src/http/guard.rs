//! What keeps one client from hurting the others: limits checked on every
//! request before a handler runs ([`GuardLayer`]), and the HTTP/1.1 server
//! loop that applies the limits of a connection ([`serve`]) (issue #7).
//!
//! [`GuardLayer`] answers, with a problem naming the limit and its value
//! (every value from [`Limits`]):
//!
//! - a request target (path and query) over `max_uri_bytes`: 414;
//! - more than `max_headers` header fields, or over `max_header_bytes` of
//!   them: 431;
//! - a request beyond `max_in_flight` being answered at once: 503 with
//!   `Retry-After: 1`, at once (load is shed, not queued). The probes and the
//!   metrics ([`UNCOUNTED`]) are neither counted nor shed: a liveness probe
//!   failing under load would have the service restarted, and the metrics
//!   are what shows the load;
//! - an answer not ready within `request_timeout_ms`: 408 (and the connection
//!   closed) when the handler was waiting for the request body, the client
//!   being slow to send it; else 503, the service being slow. A 408 tells the
//!   client that its request did not arrive, which is true only in the first
//!   case (and some clients resend a 408 at once, which would double the work
//!   of a slow answer); a 503 is what clients and proxies read as "busy, try
//!   later". Work that a handler moved to another thread is not interrupted:
//!   only its answer is dropped.
//!
//! hyper refuses some requests itself, before any service sees them, with an
//! empty body (`Content-Length: 0`): a target over 64 KiB (414), a head over
//! about 400 KB or with over 100 fields (431), and a malformed head (400: an
//! invalid request line, raw non-ASCII bytes in the target, an invalid or
//! doubled `Content-Length`, bytes that are not HTTP). The defaults here sit
//! below hyper's limits, so that what a client may plausibly send gets a
//! problem.
//!
//! [`serve`] is `axum::serve` with what `axum::serve` (axum 0.8) lacks: there,
//! a client that sends its head a byte at a time (slowloris), keeps idle
//! connections open or stops reading an answer holds its connection for
//! ever. Here a connection that goes `header_read_timeout_ms` without
//! progress is closed: progress is a complete request head, an answer being
//! made, or bytes of an answer sent; each connection's watchdog checks its
//! counts four times a timeout. (hyper's own header read timeout covers only
//! the head, and costs every request a timer and one more read of the
//! socket: about 0.7 µs of CPU a request under load.) [`serve`] also applies
//! RFC 9112 §3.2: an HTTP/1.1 request without exactly one valid `Host` gets
//! a 400. That rule is not in the layer because requests made in-process
//! (the tests' `oneshot`s) carry no `Host`.
//!
//! Both run for every request, so neither boxes nor allocates for a request it
//! lets through (a request with a body costs one allocation, for the watch on
//! its body): the checks read the target's length and the header map; the
//! count of requests in flight is one atomic counter; the timer is created
//! only when an answer has to wait.
//!
//! This module knows `problem` and `Limits`; it must not import the handlers,
//! `query` or `geodata`.

use std::{
    cell::RefCell,
    convert::Infallible,
    future::Future,
    io,
    pin::{Pin, pin},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    },
    task::{Context, Poll, Waker, ready},
    time::Duration,
};

use axum::{
    body::{Body, Bytes, HttpBody},
    extract::Request,
    http::{HeaderValue, StatusCode, Version, header},
    response::{IntoResponse, Response},
};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::TokioIo;
use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
    time::Sleep,
};

use super::{
    Limits,
    problem::{self, ApiError, ProblemKind},
};

/// The most header fields hyper parses without being told otherwise; it
/// refuses more itself, with an empty 431.
const HYPER_MAX_HEADERS: usize = 100;

/// hyper's read buffer unless told otherwise, which bounds a request head: it
/// refuses a longer head itself, with an empty 431.
const HYPER_MAX_BUF: usize = 8192 + 4096 * 100;

/// Bytes a header field takes on the wire besides its name and value: `: ` and
/// the line end.
const FIELD_OVERHEAD: usize = 4;

/// The layer that applies the per-request limits of [`Limits`] (see the
/// module's notes). Clones share one count of requests in flight.
///
/// Its refusals are [`ApiError`]s, so the layer belongs inside the one that
/// renders problems ([`OuterLayer`](super::outer::OuterLayer)).
///
/// # Examples
///
/// ```
/// use axum::{Router, body::Body, http::{Request, StatusCode}, routing::get};
/// use dezone::http::{Limits, guard::GuardLayer};
/// use tower::ServiceExt as _;
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let limits = Limits { max_uri_bytes: 16, ..Limits::DEFAULT };
/// let app = Router::new().route("/", get(|| async { "hello" })).layer(GuardLayer::new(limits));
/// let ok = app.clone().oneshot(Request::get("/?a=1").body(Body::empty()).unwrap()).await.unwrap();
/// assert_eq!(ok.status(), StatusCode::OK);
/// let long = app.oneshot(Request::get("/?a=123456789012345").body(Body::empty()).unwrap()).await.unwrap();
/// assert_eq!(long.status(), StatusCode::URI_TOO_LONG);
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct GuardLayer {
    limits: Limits,
    in_flight: Arc<AtomicUsize>,
}

impl GuardLayer {
    /// The layer over `limits`, with no request in flight.
    #[must_use]
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            in_flight: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// How many requests are being answered now.
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }
}

impl<S> tower::Layer<S> for GuardLayer {
    type Service = Guard<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Guard {
            inner,
            limits: self.limits,
            in_flight: Arc::clone(&self.in_flight),
        }
    }
}

/// The service of [`GuardLayer`].
#[derive(Clone, Debug)]
pub struct Guard<S> {
    inner: S,
    limits: Limits,
    in_flight: Arc<AtomicUsize>,
}

impl<S> tower::Service<Request> for Guard<S>
where
    S: tower::Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = GuardFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let slot = match admit(&request, &self.limits, &self.in_flight) {
            Ok(slot) => slot,
            Err(refusal) => {
                return GuardFuture::Refused {
                    answer: Some(refusal),
                };
            }
        };
        let (request, body) = watch_body(request);
        GuardFuture::Admitted {
            inner: self.inner.call(request),
            timer: None,
            timeout_ms: self.limits.request_timeout_ms,
            body,
            _slot: slot,
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`Guard`].
    #[project = GuardProjection]
    pub enum GuardFuture<F> {
        /// Refused before the inner service ran.
        Refused { answer: Option<Response> },
        /// Being answered, until the deadline.
        Admitted {
            #[pin]
            inner: F,
            // Created only when the answer has to wait, the first time it
            // does: the first poll follows the call at once, so the clock is
            // not read for the answers that are ready at once.
            #[pin]
            timer: Option<Sleep>,
            timeout_ms: u64,
            // Whether the handler waits for the request body, if it has one.
            body: Option<Arc<AtomicBool>>,
            // Counts the request as in flight until the future is dropped.
            _slot: Slot,
        },
    }
}

impl<F, E> Future for GuardFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            GuardProjection::Refused { answer } => Poll::Ready(Ok(answer
                .take()
                .unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response()))),
            GuardProjection::Admitted {
                inner,
                mut timer,
                timeout_ms,
                body,
                ..
            } => {
                if let Poll::Ready(answer) = inner.poll(cx) {
                    return Poll::Ready(answer);
                }
                if timer.is_none() {
                    let timeout = Duration::from_millis(*timeout_ms);
                    timer.set(Some(tokio::time::sleep(timeout)));
                }
                if let Some(timer) = timer.as_pin_mut() {
                    ready!(timer.poll(cx));
                }
                let waits_for_client = body.as_ref().is_some_and(|w| w.load(Ordering::Relaxed));
                Poll::Ready(Ok(timed_out(waits_for_client, *timeout_ms)))
            }
        }
    }
}

impl GuardLayer {
    /// Admits `request` as the layer's service would: counted in flight
    /// until the [`Slot`] is dropped, or refused (414, 431, 503) with the
    /// answer to send. For callers that answer a request without the layer
    /// wrapped around them (the [`front`](super::front)); the refusal still
    /// needs the problem rendering of the outer layer.
    #[allow(
        clippy::result_large_err,
        reason = "the refusal is sent as it is; a box would cost shed requests an allocation"
    )]
    pub fn admit<B>(&self, request: &Request<B>) -> Result<Slot, Response> {
        admit(request, &self.limits, &self.in_flight)
    }
}

/// What [`GuardLayer::admit`] does.
#[allow(
    clippy::result_large_err,
    reason = "the refusal is sent as it is; a box would cost shed requests an allocation"
)]
fn admit<B>(
    request: &Request<B>,
    limits: &Limits,
    in_flight: &Arc<AtomicUsize>,
) -> Result<Slot, Response> {
    if let Some(error) = oversized(request, limits) {
        return Err(error.into_response());
    }
    if UNCOUNTED.contains(&request.uri().path()) {
        return Ok(Slot(None));
    }
    Slot::take(in_flight, limits.max_in_flight).ok_or_else(|| shed(limits.max_in_flight))
}

/// The paths answered whatever the number of requests in flight: the health
/// probes and the metrics, each a few hundred bytes read from memory.
pub const UNCOUNTED: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// One request counted in flight (`None`: one of [`UNCOUNTED`]); uncounted
/// when dropped.
#[derive(Debug)]
pub struct Slot(Option<Arc<AtomicUsize>>);

impl Slot {
    /// Counts a request, unless `max` are in flight already.
    fn take(in_flight: &Arc<AtomicUsize>, max: usize) -> Option<Self> {
        // Counting first and undoing an excess keeps this to one atomic
        // operation on the way in; the count may pass `max` for an instant,
        // never the number of requests admitted.
        if in_flight.fetch_add(1, Ordering::Relaxed) >= max {
            in_flight.fetch_sub(1, Ordering::Relaxed);
            return None;
        }
        Some(Self(Some(Arc::clone(in_flight))))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(in_flight) = &self.0 {
            in_flight.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// The refusal of a request whose target or headers exceed `limits`.
fn oversized<B>(request: &Request<B>, limits: &Limits) -> Option<ApiError> {
    let uri = request.uri();
    let path = uri.path().len();
    let query = uri.query().map_or(0, |q| q.len() + 1);
    let authority = uri.authority().map_or(0, |a| {
        a.as_str().len() + uri.scheme_str().map_or(0, |s| s.len() + 3)
    });
    let target = authority + path + query;
    if target > limits.max_uri_bytes {
        let (part, size) = if query > path {
            ("the query string", query - 1)
        } else {
            ("the path", path)
        };
        return Some(ApiError::new(
            StatusCode::URI_TOO_LONG,
            ProblemKind::UriTooLong,
            format!(
                "the request target is {target} bytes, {part} {size} of them; at most {} are taken (`max_uri_bytes`)",
                limits.max_uri_bytes
            ),
        ));
    }
    let headers = request.headers();
    if headers.len() > limits.max_headers {
        return Some(ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ProblemKind::HeadersTooLarge,
            format!(
                "the request has {} header fields; at most {} are taken (`max_headers`)",
                headers.len(),
                limits.max_headers
            ),
        ));
    }
    let bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + FIELD_OVERHEAD)
        .sum();
    if bytes > limits.max_header_bytes {
        return Some(ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ProblemKind::HeadersTooLarge,
            format!(
                "the request's header fields are {bytes} bytes in all; at most {} are taken (`max_header_bytes`)",
                limits.max_header_bytes
            ),
        ));
    }
    None
}

/// The answer to a request beyond `max_in_flight`.
fn shed(max_in_flight: usize) -> Response {
    let mut answer = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        ProblemKind::Unavailable,
        format!(
            "the service is answering {max_in_flight} requests, the most it answers at once (`max_in_flight`); retry in a second"
        ),
    )
    .into_response();
    answer
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    answer
}

/// The answer to a request not answered within `timeout_ms`.
fn timed_out(waits_for_client: bool, timeout_ms: u64) -> Response {
    if waits_for_client {
        let mut answer = ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            ProblemKind::RequestTimeout,
            format!(
                "the request body did not arrive within {timeout_ms} ms (`request_timeout_ms`); send it without pauses, or a smaller batch"
            ),
        )
        .into_response();
        // The rest of the body may still come: the connection cannot be reused.
        answer
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return answer;
    }
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        ProblemKind::Unavailable,
        format!(
            "the answer was not ready within {timeout_ms} ms (`request_timeout_ms`); retry later, or ask for less"
        ),
    )
    .into_response()
}

/// The request with its body watched, when it has one: the flag is set while
/// the handler waits for the client to send more.
fn watch_body(request: Request) -> (Request, Option<Arc<AtomicBool>>) {
    if request.body().is_end_stream() {
        return (request, None);
    }
    let waiting = Arc::new(AtomicBool::new(false));
    let request = request.map(|inner| {
        Body::new(WatchedBody {
            inner,
            waiting: Arc::clone(&waiting),
        })
    });
    (request, Some(waiting))
}

pin_project_lite::pin_project! {
    /// A request body that records whether its reader is waiting for bytes.
    struct WatchedBody {
        #[pin]
        inner: Body,
        waiting: Arc<AtomicBool>,
    }
}

impl HttpBody for WatchedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.project();
        let polled = this.inner.poll_frame(cx);
        this.waiting.store(polled.is_pending(), Ordering::Relaxed);
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Serves `app` on `listener` over HTTP/1.1 until `shutdown` resolves, then
/// stops accepting, lets the requests in flight finish and returns.
///
/// As `axum::serve(listener, app).with_graceful_shutdown(shutdown)`, plus the
/// closing of connections without progress and the `Host` rule of
/// [`Limits`] (see the module's notes). Answers on accepted connections are
/// sent without Nagle's delay.
/// `app` is called without `poll_ready`, so it must always be ready, as an
/// axum `Router` and the [`Front`](super::front::Front) are.
///
/// # Errors
///
/// None today: accept errors are logged and retried, as by `axum::serve`.
///
/// # Examples
///
/// ```no_run
/// use dezone::http::{Limits, guard};
///
/// # async fn run(app: axum::Router) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// guard::serve(listener, app, Limits::default(), async {
///     let _ = tokio::signal::ctrl_c().await;
/// })
/// .await
/// # }
/// ```
pub async fn serve<S, F>(
    listener: TcpListener,
    app: S,
    limits: Limits,
    shutdown: F,
) -> io::Result<()>
where
    S: App,
    F: Future<Output = ()> + Send + 'static,
{
    let connections = Connections::new(limits);
    let mut shutdown = pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(error) => {
                    accept_failed(error).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        tokio::spawn(connections.serve(stream, app.clone(), connections.enter()));
    }
    drop(listener);
    connections.finish().await;
    Ok(())
}

/// What [`serve`] and [`super::workers::serve`] serve: a service that
/// answers every request and is always ready (it is called without
/// `poll_ready`), whose futures may move between threads. An axum `Router`
/// and the [`Front`](super::front::Front) are such services.
pub trait App:
    tower::Service<
        Request<Incoming>,
        Response = Response,
        Error = Infallible,
        Future: Send + 'static,
    > + Clone
    + Send
    + 'static
{
}

impl<S> App for S where
    S: tower::Service<
            Request<Incoming>,
            Response = Response,
            Error = Infallible,
            Future: Send + 'static,
        > + Clone
        + Send
        + 'static
{
}

/// The connections of one server: how each is served, and how they are told
/// to finish. One `Connections` may serve connections on several runtimes
/// (the threads of [`super::workers`] share one).
pub(crate) struct Connections {
    http: hyper::server::conn::http1::Builder,
    limits: Limits,
    /// How often a connection's watchdog checks its progress.
    watch_period: Duration,
    /// Each connection is told to finish through `stopping`, and holds a
    /// receiver of `running` until it ends.
    stopping: Arc<Stopping>,
    running: watch::Sender<()>,
}

impl Connections {
    pub(crate) fn new(limits: Limits) -> Self {
        let mut http = hyper::server::conn::http1::Builder::new();
        if limits.max_headers >= HYPER_MAX_HEADERS {
            // Let hyper parse one more field than the limit, so that the layer
            // answers with a problem. (Past 100 hyper allocates the fields per request.)
            http.max_headers(limits.max_headers + 1);
        }
        let head = limits
            .max_uri_bytes
            .saturating_add(limits.max_header_bytes)
            .saturating_add(1024);
        if head > HYPER_MAX_BUF {
            // Likewise for the bytes of the head.
            http.max_buf_size(head);
        }
        Self {
            http,
            limits,
            watch_period: Duration::from_micros(
                limits.header_read_timeout_ms.saturating_mul(1000) / QUIET_CHECKS,
            ),
            stopping: Arc::new(Stopping::default()),
            running: watch::Sender::new(()),
        }
    }

    /// A connection's place among those [`finish`](Self::finish) waits for,
    /// taken as soon as it is accepted: held until it ends.
    pub(crate) fn enter(&self) -> Entered {
        Entered(self.running.subscribe())
    }

    /// The serving of `stream` by `app`, to be spawned on the current
    /// runtime (its watchdog is a timer of that runtime); `entered` is
    /// released when it ends.
    pub(crate) fn serve<S>(
        &self,
        stream: TcpStream,
        app: S,
        entered: Entered,
    ) -> impl Future<Output = ()> + use<S>
    where
        S: App,
    {
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
        let activity = Arc::new(Activity::default());
        let service = Wire {
            app: RefCell::new(app),
            limits: self.limits,
            activity: Arc::clone(&activity),
        };
        let io = Counted {
            io: TokioIo::new(stream),
            activity: Arc::clone(&activity),
        };
        let connection = Served {
            connection: self.http.serve_connection(io, service),
            watchdog: tokio::time::sleep(self.watch_period),
            period: self.watch_period,
            activity,
            seen: 0,
            quiet: 0,
            stopping: Arc::clone(&self.stopping),
            registered: None,
            told: false,
        };
        async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended with an error");
            }
            drop(entered);
        }
    }

    /// Tells every connection to finish its request in flight and close,
    /// and waits until all have. Connections served after this are told at
    /// once.
    pub(crate) async fn finish(&self) {
        tracing::debug!(
            connections = self.running.receiver_count(),
            "stopped accepting; finishing requests in flight"
        );
        self.stopping.stop();
        self.running.closed().await;
    }
}

/// A connection's place among those a server waits for when it stops
/// ([`Connections::enter`]).
#[derive(Debug)]
pub(crate) struct Entered(#[allow(dead_code)] watch::Receiver<()>);

/// As `axum::serve` does: a failed connection is skipped, any other failure
/// (too many open files) logged and waited out.
pub(crate) async fn accept_failed(error: io::Error) {
    if matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "cannot accept a connection; retrying in a second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// How the server tells its connections to finish: each connection's task
/// leaves its waker here once, and checks a flag each time it runs.
///
/// A `watch` or `Notify` would do the same, but a task waiting on one takes
/// the channel's lock each time it is polled, which is once a request here:
/// a lock shared by every connection on both workers.
#[derive(Debug, Default)]
struct Stopping {
    stop: AtomicBool,
    /// The connections' wakers, by an id of the waker's registration.
    wakers: std::sync::Mutex<(u64, std::collections::HashMap<u64, Waker>)>,
}

impl Stopping {
    /// Tells every connection, now and to come, to finish.
    fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        let wakers = self.lock();
        for waker in wakers.1.values() {
            waker.wake_by_ref();
        }
    }

    /// Leaves `waker` to be woken by [`stop`](Self::stop), in place of the
    /// one registered as `previous`; the id of the new registration.
    fn register(&self, previous: Option<u64>, waker: &Waker) -> u64 {
        let mut wakers = self.lock();
        if let Some(id) = previous {
            wakers.1.remove(&id);
        }
        wakers.0 += 1;
        let id = wakers.0;
        wakers.1.insert(id, waker.clone());
        id
    }

    fn unregister(&self, id: u64) {
        self.lock().1.remove(&id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (u64, std::collections::HashMap<u64, Waker>)> {
        // A panic while the lock is held leaves the map as it was.
        self.wakers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

pin_project_lite::pin_project! {
    /// A connection being served: it finishes its request in flight and
    /// closes once told to stop, and is closed by its watchdog after
    /// `QUIET_CHECKS` checks in a row without progress.
    struct Served<S>
    where
        S: tower::Service<Request<Incoming>, Response = Response, Error = Infallible>,
    {
        #[pin]
        connection: hyper::server::conn::http1::Connection<Counted<TokioIo<TcpStream>>, Wire<S>>,
        // Checks the connection's progress every `period`.
        #[pin]
        watchdog: Sleep,
        period: Duration,
        activity: Arc<Activity>,
        // The progress counted at the last check, and the checks since
        // without any.
        seen: u64,
        quiet: u64,
        stopping: Arc<Stopping>,
        // The waker left in `stopping`, and its id.
        registered: Option<(u64, Waker)>,
        told: bool,
    }

    impl<S> PinnedDrop for Served<S>
    where
        S: tower::Service<Request<Incoming>, Response = Response, Error = Infallible>,
    {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let Some((id, _)) = this.registered.take() {
                this.stopping.unregister(id);
            }
        }
    }
}

impl<S> Future for Served<S>
where
    S: tower::Service<Request<Incoming>, Response = Response, Error = Infallible>,
{
    type Output = hyper::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if !*this.told {
            // A task's waker does not change from poll to poll: registered once.
            if !this
                .registered
                .as_ref()
                .is_some_and(|(_, waker)| waker.will_wake(cx.waker()))
            {
                let previous = this.registered.as_ref().map(|(id, _)| *id);
                let id = this.stopping.register(previous, cx.waker());
                *this.registered = Some((id, cx.waker().clone()));
            }
            // Checked after registering: a stop either is seen here or wakes
            // the registered waker.
            if this.stopping.stop.load(Ordering::SeqCst) {
                *this.told = true;
                this.connection.as_mut().graceful_shutdown();
            }
        }
        if let Poll::Ready(result) = this.connection.poll(cx) {
            return Poll::Ready(result);
        }
        while this.watchdog.as_mut().poll(cx).is_ready() {
            let progress = this.activity.progress.load(Ordering::Relaxed);
            if progress != *this.seen || this.activity.busy.load(Ordering::Relaxed) > 0 {
                *this.seen = progress;
                *this.quiet = 0;
            } else {
                *this.quiet += 1;
                if *this.quiet >= QUIET_CHECKS {
                    tracing::debug!("closing a connection without progress");
                    return Poll::Ready(Ok(()));
                }
            }
            let next = this.watchdog.deadline() + *this.period;
            this.watchdog.as_mut().reset(next);
        }
        Poll::Pending
    }
}

/// How many checks in a row must find a connection without progress before
/// it is closed: it is closed between 1 and 1 + 1/`QUIET_CHECKS` times
/// `header_read_timeout_ms` after its last progress.
const QUIET_CHECKS: u64 = 4;

/// What a connection has done, counted by its service ([`Wire`]) and its
/// socket ([`Counted`]), and read by its watchdog ([`Served`]). Written by
/// one task at a time: the counts cost no contention.
#[derive(Debug, Default)]
struct Activity {
    /// Request heads received, answers made, writes that sent bytes.
    progress: AtomicU64,
    /// Answers being made.
    busy: AtomicUsize,
}

/// An answer being made: counted busy until dropped, then as progress.
#[derive(Debug)]
struct Busy(Arc<Activity>);

impl Busy {
    fn new(activity: &Arc<Activity>) -> Self {
        activity.progress.fetch_add(1, Ordering::Relaxed);
        activity.busy.fetch_add(1, Ordering::Relaxed);
        Self(Arc::clone(activity))
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Ordering::Relaxed);
        self.0.progress.fetch_add(1, Ordering::Relaxed);
    }
}

pin_project_lite::pin_project! {
    /// A connection's socket, counting the writes that send bytes as progress.
    struct Counted<T> {
        #[pin]
        io: T,
        activity: Arc<Activity>,
    }
}

impl<T> Counted<T> {
    fn sent<E>(activity: &Activity, written: Poll<Result<usize, E>>) -> Poll<Result<usize, E>> {
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            activity.progress.fetch_add(1, Ordering::Relaxed);
        }
        written
    }
}

impl<T: hyper::rt::Read> hyper::rt::Read for Counted<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        self.project().io.poll_read(cx, buf)
    }
}

impl<T: hyper::rt::Write> hyper::rt::Write for Counted<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.project();
        Self::sent(this.activity, this.io.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.project();
        Self::sent(this.activity, this.io.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().io.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().io.poll_shutdown(cx)
    }
}

/// The service hyper calls for each request of a connection: the `Host` rule,
/// then the app. Each connection has its own copy of the app, called in turn
/// (hyper calls with `&self`, a tower service takes `&mut self`), so a
/// request costs no shared reference count.
#[derive(Debug)]
struct Wire<S> {
    app: RefCell<S>,
    limits: Limits,
    activity: Arc<Activity>,
}

impl<S> hyper::service::Service<Request<Incoming>> for Wire<S>
where
    S: tower::Service<Request<Incoming>, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = WireFuture<S::Future>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let busy = Busy::new(&self.activity);
        if let Some(error) = host_problem(&request) {
            let answer = problem::render_problem(
                error.into_response(),
                request.uri(),
                request.method(),
                self.limits,
                // The Host is checked before routing, where the path the
                // service is served under is not known: a request with a
                // bad Host did not come through a proxy that knows it.
                "",
            );
            return WireFuture::Refused {
                answer: Some(answer),
                _busy: busy,
            };
        }
        // hyper calls one request of a connection at a time, and no call
        // re-enters another: the cell is never borrowed twice.
        WireFuture::Routed {
            inner: self.app.borrow_mut().call(request),
            _busy: busy,
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`Wire`].
    #[project = WireProjection]
    enum WireFuture<F> {
        Refused { answer: Option<Response>, _busy: Busy },
        Routed {
            #[pin]
            inner: F,
            _busy: Busy,
        },
    }
}

impl<F> Future for WireFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            WireProjection::Refused { answer, .. } => Poll::Ready(Ok(answer
                .take()
                .unwrap_or_else(|| StatusCode::BAD_REQUEST.into_response()))),
            WireProjection::Routed { inner, .. } => inner.poll(cx),
        }
    }
}

/// RFC 9112 §3.2: a server must answer 400 to an HTTP/1.1 request without a
/// `Host`, with more than one, or with one that is not a host.
fn host_problem<B>(request: &Request<B>) -> Option<ApiError> {
    if request.version() != Version::HTTP_11 {
        return None;
    }
    let mut hosts = request.headers().get_all(header::HOST).iter();
    let detail = match (hosts.next(), hosts.next()) {
        (Some(host), None) if is_host(host.as_bytes()) => return None,
        (None, _) => {
            "the request has no `Host` header; an HTTP/1.1 request must have exactly one (RFC 9112 §3.2)"
        }
        (Some(_), Some(_)) => {
            "the request has more than one `Host` header; an HTTP/1.1 request must have exactly one (RFC 9112 §3.2)"
        }
        (Some(_), None) => {
            "the `Host` header is not a host name or address with an optional port (RFC 9112 §3.2)"
        }
    };
    Some(ApiError::new(
        StatusCode::BAD_REQUEST,
        ProblemKind::BadRequest,
        detail,
    ))
}

/// Whether `value` may be a `Host`: `uri-host [ ":" port ]` of RFC 3986 (a
/// registered name or IPv4 address, or an IPv6 address in brackets; a port
/// of digits), or empty.
fn is_host(value: &[u8]) -> bool {
    let (name, port) = match value.strip_prefix(b"[") {
        Some(rest) => {
            let Some(end) = rest.iter().position(|&b| b == b']') else {
                return false;
            };
            let address = &rest[..end];
            if address.is_empty()
                || !address
                    .iter()
                    .all(|&b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
            {
                return false;
            }
            match rest[end + 1..].split_first() {
                None => return true,
                Some((b':', port)) => (&[][..], port),
                Some(_) => return false,
            }
        }
        None => match value.iter().position(|&b| b == b':') {
            Some(colon) => (&value[..colon], &value[colon + 1..]),
            None => (value, &[][..]),
        },
    };
    name.iter().all(|&b| NAME_BYTES[usize::from(b)]) && port.iter().all(u8::is_ascii_digit)
}

/// The bytes a registered name or IPv4 address may hold: letters, digits,
/// `-._~!$&'()*+,;=%` (a table: the check runs on every request).
const NAME_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        #[allow(clippy::cast_possible_truncation, reason = "b < 256")]
        let byte = b as u8;
        table[b] = byte.is_ascii_alphanumeric();
        b += 1;
    }
    let others = b"-._~!$&'()*+,;=%";
    let mut i = 0;
    while i < others.len() {
        table[others[i] as usize] = true;
        i += 1;
    }
    table
};

#[cfg(test)]
pub(crate) mod tests {
    use std::{
        io::{Read as _, Write as _},
        net::TcpStream,
    };

    use axum::{
        Router,
        http::{Method, Request as HttpRequest},
        routing::{get, post},
    };
    use http_body_util::BodyExt as _;
    use serde_json::Value;
    use tower::{Service as _, ServiceExt as _};

    use super::*;

    /// Routes: `/` answers at once, `/slow` after 10 s, `/echo` reads the
    /// body, `/big` answers 32 MiB.
    fn app(limits: Limits) -> (Router, GuardLayer) {
        let guard = GuardLayer::new(limits);
        let router = Router::new()
            .route("/", get(|| async { "ok" }))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(10)).await;
                    "late"
                }),
            )
            .route(
                "/echo",
                post(|body: Bytes| async move { format!("{} bytes", body.len()) }),
            )
            .route("/big", get(|| async { vec![b'x'; 32 << 20] }))
            .layer(guard.clone())
            .layer(super::super::outer::OuterLayer::new(limits));
        (router, guard)
    }

    fn request(method: Method, uri: &str) -> HttpRequest<Body> {
        HttpRequest::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .unwrap()
    }

    async fn problem(answer: Response) -> (StatusCode, Value, axum::http::HeaderMap) {
        let status = answer.status();
        let headers = answer.headers().clone();
        let bytes = answer.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            headers,
        )
    }

    #[tokio::test]
    async fn a_target_over_max_uri_bytes_gets_a_414_naming_the_query_or_the_path() {
        let limits = Limits {
            max_uri_bytes: 64,
            ..Limits::DEFAULT
        };
        let (app, _) = app(limits);
        let ok = format!("/?{}", "a".repeat(62));
        let answer = app
            .clone()
            .oneshot(request(Method::GET, &ok))
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "64 bytes are taken");

        let query = format!("/?{}", "a".repeat(63));
        let (status, body, _) = problem(
            app.clone()
                .oneshot(request(Method::GET, &query))
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::URI_TOO_LONG);
        assert_eq!(body["type"], "/problems/uri-too-long");
        let detail = body["detail"].as_str().unwrap();
        assert!(
            detail.contains("query string") && detail.contains("at most 64"),
            "{detail}"
        );

        let path = format!("/{}", "p".repeat(80));
        let (status, body, _) =
            problem(app.oneshot(request(Method::GET, &path)).await.unwrap()).await;
        assert_eq!(status, StatusCode::URI_TOO_LONG);
        assert!(
            body["detail"].as_str().unwrap().contains("the path 81"),
            "{body}"
        );
    }

    #[tokio::test]
    async fn too_many_or_too_large_header_fields_get_a_431_naming_the_limit() {
        let limits = Limits {
            max_headers: 3,
            max_header_bytes: 100,
            ..Limits::DEFAULT
        };
        let (app, _) = app(limits);
        let mut many = request(Method::GET, "/");
        for i in 0..4 {
            many.headers_mut().append(
                format!("x-h{i}").parse::<header::HeaderName>().unwrap(),
                HeaderValue::from_static("1"),
            );
        }
        let (status, body, _) = problem(app.clone().oneshot(many).await.unwrap()).await;
        assert_eq!(status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
        assert_eq!(body["type"], "/problems/headers-too-large");
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("4 header fields; at most 3 are taken (`max_headers`)"),
            "{body}"
        );

        let mut large = request(Method::GET, "/");
        large
            .headers_mut()
            .insert("x-pad", HeaderValue::from_str(&"a".repeat(92)).unwrap());
        let (status, body, _) = problem(app.clone().oneshot(large).await.unwrap()).await;
        assert_eq!(status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("101 bytes in all; at most 100"),
            "{body}"
        );

        let mut fits = request(Method::GET, "/");
        fits.headers_mut()
            .insert("x-pad", HeaderValue::from_str(&"a".repeat(91)).unwrap());
        assert_eq!(app.oneshot(fits).await.unwrap().status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn beyond_max_in_flight_a_request_gets_a_503_with_retry_after_at_once() {
        let limits = Limits {
            max_in_flight: 2,
            ..Limits::DEFAULT
        };
        let (mut app, guard) = app(limits);
        let slow_a = app.call(request(Method::GET, "/slow"));
        let slow_b = app.call(request(Method::GET, "/slow"));
        let mut slow_a = Box::pin(slow_a);
        let mut slow_b = Box::pin(slow_b);
        // Poll both once so that they wait in their handlers.
        assert!(futures_poll(&mut slow_a).is_pending());
        assert!(futures_poll(&mut slow_b).is_pending());
        assert_eq!(guard.in_flight(), 2);
        let (status, body, headers) =
            problem(app.call(request(Method::GET, "/")).await.unwrap()).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(headers[header::RETRY_AFTER], "1");
        assert_eq!(body["type"], "/problems/service-unavailable");
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("answering 2 requests"),
            "{body}"
        );
        // A client that goes away frees its place.
        drop(slow_a);
        assert_eq!(guard.in_flight(), 1);
        assert_eq!(
            app.call(request(Method::GET, "/")).await.unwrap().status(),
            StatusCode::OK
        );
        assert_eq!(guard.in_flight(), 1, "an answered request frees its place");
        drop(slow_b);
        assert_eq!(guard.in_flight(), 0);
    }

    /// Polls once, with a waker that does nothing.
    fn futures_poll<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        Pin::new(future).poll(&mut cx)
    }

    #[tokio::test]
    async fn a_slow_answer_gets_a_503_after_request_timeout_ms() {
        let limits = Limits {
            request_timeout_ms: 50,
            ..Limits::DEFAULT
        };
        let (app, guard) = app(limits);
        let started = std::time::Instant::now();
        let (status, body, headers) =
            problem(app.oneshot(request(Method::GET, "/slow")).await.unwrap()).await;
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("not ready within 50 ms (`request_timeout_ms`)"),
            "{body}"
        );
        assert!(!headers.contains_key(header::CONNECTION));
        assert_eq!(guard.in_flight(), 0);
    }

    #[tokio::test]
    async fn a_body_that_stops_arriving_gets_a_408_and_the_connection_closed() {
        let limits = Limits {
            request_timeout_ms: 50,
            ..Limits::DEFAULT
        };
        let (app, _) = app(limits);
        let (mut sender, body) = http_body_util::channel::Channel::<Bytes, Infallible>::new(1);
        sender
            .send_data(Bytes::from_static(b"[[36.6,"))
            .await
            .unwrap();
        let post = HttpRequest::post("/echo")
            .header(header::CONTENT_LENGTH, "100")
            .body(Body::new(body))
            .unwrap();
        let (status, body, headers) = problem(app.oneshot(post).await.unwrap()).await;
        drop(sender);
        assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
        assert_eq!(body["type"], "/problems/request-timeout");
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("did not arrive within 50 ms"),
            "{body}"
        );
        assert_eq!(headers[header::CONNECTION], "close");
    }

    #[tokio::test]
    async fn a_request_within_every_limit_is_answered_and_frees_its_place() {
        let (app, guard) = app(Limits::DEFAULT);
        let answer = app
            .clone()
            .oneshot(
                HttpRequest::post("/echo")
                    .body(Body::from("[[36.63,35.93]]"))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        let text = answer.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&text[..], b"15 bytes");
        assert_eq!(guard.in_flight(), 0);
    }

    #[test]
    fn an_http_1_1_request_needs_exactly_one_valid_host() {
        let with = |version: Version, hosts: &[&str]| {
            let mut request = HttpRequest::get("/").version(version);
            for host in hosts {
                request = request.header(header::HOST, *host);
            }
            host_problem(&request.body(()).unwrap()).map(|e| e.detail)
        };
        assert_eq!(with(Version::HTTP_11, &["127.0.0.1:8080"]), None);
        assert_eq!(with(Version::HTTP_11, &["[::1]:8080"]), None);
        assert_eq!(with(Version::HTTP_11, &["maps.example.org"]), None);
        assert_eq!(
            with(Version::HTTP_11, &[""]),
            None,
            "empty is allowed (RFC 9112 §3.2)"
        );
        assert_eq!(with(Version::HTTP_10, &[]), None, "HTTP/1.0 may omit it");
        assert!(with(Version::HTTP_11, &[]).unwrap().contains("no `Host`"));
        assert!(
            with(Version::HTTP_11, &["a", "b"])
                .unwrap()
                .contains("more than one `Host`")
        );
        assert!(
            with(Version::HTTP_11, &["a b"])
                .unwrap()
                .contains("not a host")
        );
        assert!(
            with(Version::HTTP_11, &["a/b"])
                .unwrap()
                .contains("not a host")
        );
    }

    /// The future that tells a test server to stop.
    pub(crate) type Stop = Pin<Box<dyn Future<Output = ()> + Send>>;

    /// A test server: its address, the sender that stops it, and its task.
    pub(crate) type TestServer = (
        String,
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<io::Result<()>>,
    );

    /// A server loop that `run` starts on a listener on 127.0.0.1:0, told to
    /// stop by the future it is given: its address, its stop and its task.
    pub(crate) async fn spawn_server<R>(run: impl FnOnce(TcpListener, Stop) -> R) -> TestServer
    where
        R: Future<Output = io::Result<()>> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(run(
            listener,
            Box::pin(async {
                let _ = stopped.await;
            }),
        ));
        (addr, stop, server)
    }

    /// A server on 127.0.0.1:0 over a router with the guard, and its shutdown.
    async fn server(limits: Limits) -> TestServer {
        spawn_server(|listener, stop| serve(listener, app(limits).0, limits, stop)).await
    }

    /// Stops a server started by [`spawn_server`] and waits for it to return.
    pub(crate) async fn stop_server(
        stop: tokio::sync::oneshot::Sender<()>,
        server: tokio::task::JoinHandle<io::Result<()>>,
    ) {
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
    }

    /// The default limits with a 200 ms head timeout, for the tests of the watchdog.
    const HEAD_TIMEOUT_200_MS: Limits = Limits {
        header_read_timeout_ms: 200,
        ..Limits::DEFAULT
    };

    /// Sends `bytes` on a new connection and reads until the server closes it.
    fn exchange(addr: &str, bytes: &[u8]) -> String {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream.write_all(bytes).unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn serve_refuses_a_request_without_host_with_a_problem_and_answers_one_with() {
        let (addr, stop, server) = server(Limits::DEFAULT).await;
        let answers = tokio::task::spawn_blocking(move || {
            (
                exchange(&addr, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n"),
                exchange(
                    &addr,
                    b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                ),
                exchange(&addr, b"GET / HTTP/1.0\r\n\r\n"),
            )
        })
        .await
        .unwrap();
        let (without, with, old) = answers;
        assert!(without.starts_with("HTTP/1.1 400"), "{without}");
        assert!(
            without.contains("application/problem+json") && without.contains("no `Host` header"),
            "{without}"
        );
        assert!(
            with.starts_with("HTTP/1.1 200") && with.ends_with("ok"),
            "{with}"
        );
        assert!(old.starts_with("HTTP/1.0 200"), "{old}");
        stop_server(stop, server).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn serve_closes_a_connection_whose_head_is_not_sent_in_time() {
        let (addr, stop, server) = server(HEAD_TIMEOUT_200_MS).await;
        let (elapsed, answer) = tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            // A head that never ends (slowloris), then an idle kept-alive connection.
            let partial = exchange(&addr, b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ");
            let mut stream = TcpStream::connect(&addr).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            stream
                .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                .unwrap();
            let mut idle = Vec::new();
            let _ = stream.read_to_end(&mut idle);
            (
                started.elapsed(),
                (partial, String::from_utf8_lossy(&idle).into_owned()),
            )
        })
        .await
        .unwrap();
        assert_eq!(answer.0, "", "closed without an answer");
        assert!(
            answer.1.starts_with("HTTP/1.1 200") && answer.1.ends_with("ok"),
            "answered, then closed when idle: {}",
            answer.1
        );
        assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
        stop_server(stop, server).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_head_sent_a_byte_at_a_time_does_not_keep_its_connection_open() {
        let (addr, stop, server) = server(HEAD_TIMEOUT_200_MS).await;
        let (elapsed, answer) = tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            let mut stream = TcpStream::connect(&addr).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_millis(20)))
                .unwrap();
            let mut answer = Vec::new();
            // A byte every 20 ms, each before the last was 200 ms old: a
            // head that would never end, for up to 3 s.
            for &byte in b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ".iter().cycle() {
                if started.elapsed() > Duration::from_secs(3) || stream.write_all(&[byte]).is_err()
                {
                    break;
                }
                let mut buf = [0_u8; 256];
                match stream.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => answer.extend_from_slice(&buf[..n]),
                    Err(e)
                        if e.kind() == io::ErrorKind::WouldBlock
                            || e.kind() == io::ErrorKind::TimedOut => {}
                    Err(_) => break,
                }
            }
            (started.elapsed(), answer)
        })
        .await
        .unwrap();
        assert!(answer.is_empty(), "closed without an answer");
        assert!(elapsed < Duration::from_secs(1), "closed after {elapsed:?}");
        stop_server(stop, server).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_answer_slower_than_the_head_timeout_is_still_sent() {
        let limits = Limits {
            header_read_timeout_ms: 200,
            request_timeout_ms: 700,
            ..Limits::DEFAULT
        };
        let (addr, stop, server) = server(limits).await;
        let answer = tokio::task::spawn_blocking(move || {
            exchange(
                &addr,
                b"GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            )
        })
        .await
        .unwrap();
        // The guard's 503 after 700 ms, not a close after 250 ms.
        assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
        stop_server(stop, server).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_client_reading_a_long_answer_slowly_gets_all_of_it() {
        let (addr, stop, server) = server(HEAD_TIMEOUT_200_MS).await;
        let (elapsed, length) = tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            let mut stream = TcpStream::connect(&addr).unwrap();
            stream
                .write_all(b"GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut length = 0;
            let mut buf = vec![0_u8; 1 << 20];
            // 2 MiB every 100 ms: 32 MiB take 1.6 s, eight head timeouts.
            loop {
                let mut chunk = 0;
                while chunk < 2 << 20 {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return (started.elapsed(), length),
                        Ok(n) => {
                            chunk += n;
                            length += n;
                        }
                    }
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
        .await
        .unwrap();
        assert!(length > 32 << 20, "read {length} bytes");
        assert!(elapsed > Duration::from_millis(400), "{elapsed:?}");
        stop_server(stop, server).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn serve_finishes_the_request_in_flight_when_shut_down() {
        let limits = Limits {
            request_timeout_ms: 300,
            ..Limits::DEFAULT
        };
        let (addr, stop, server) = server(limits).await;
        let client = tokio::task::spawn_blocking(move || {
            exchange(&addr, b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        stop.send(()).unwrap();
        let answer = client.await.unwrap();
        // The guard's timeout answers the slow request; then the server stops.
        assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
        tokio::time::timeout(Duration::from_secs(5), server)
            .await
            .expect("the server stopped")
            .unwrap()
            .unwrap();
    }

    #[test]
    fn a_host_holds_only_the_bytes_of_rfc_3986_names_addresses_and_ports() {
        for b in 0..=255_u8 {
            // `a:1` is a name and a port.
            let allowed = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=%:".contains(&b);
            assert_eq!(is_host(&[b'a', b, b'1']), allowed, "byte {b}");
            assert_eq!(
                is_host(&[b'a', b'1', b':', b]),
                b.is_ascii_digit(),
                "port byte {b}"
            );
        }
        for good in [
            &b"127.0.0.1:8080"[..],
            b"127.0.0.1",
            b"[::1]:8080",
            b"[::1]",
            b"[2001:db8::7]:80",
            b"[::ffff:192.0.2.1]",
            b"maps.example.org:",
            b"",
        ] {
            assert!(is_host(good), "{}", String::from_utf8_lossy(good));
        }
        for bad in [
            &b"example.org/path"[..],
            b"exa mple.org",
            b"127.0.0.1:abc",
            b"127.0.0.1:80:80",
            b"[::1",
            b"[::1]x",
            b"[::1]:8o",
            b"[]",
            b"[example.org]",
            b"::1",
            b"a]b",
        ] {
            assert!(!is_host(bad), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn serve_closes_idle_connections_when_shut_down_without_waiting_for_them() {
        // Idle connections would otherwise be closed by the head timeout only.
        let (addr, stop, server) = server(Limits::DEFAULT).await;
        let mut idle = Vec::new();
        for _ in 0..8 {
            let mut stream = TcpStream::connect(&addr).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            stream
                .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                .unwrap();
            let mut head = [0_u8; 12];
            stream.read_exact(&mut head).unwrap();
            assert_eq!(&head, b"HTTP/1.1 200");
            idle.push(stream);
        }
        let started = std::time::Instant::now();
        stop.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(2), server)
            .await
            .expect("the server stopped within 2 s, not after the 10 s head timeout")
            .unwrap()
            .unwrap();
        assert!(started.elapsed() < Duration::from_secs(2));
        let closed = tokio::task::spawn_blocking(move || {
            idle.into_iter()
                .map(|mut stream| {
                    let mut rest = Vec::new();
                    // The rest of the answer, then the end of the stream.
                    stream.read_to_end(&mut rest).is_ok()
                })
                .collect::<Vec<_>>()
        })
        .await
        .unwrap();
        assert!(closed.iter().all(|c| *c), "{closed:?}");
    }
}
