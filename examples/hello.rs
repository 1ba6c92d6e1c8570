//! The minimal axum hello-world: the default multi-thread tokio runtime, no
//! middleware. It is the ceiling `benches/load.sh` measures dezone against:
//! requests per second and server CPU time per request of `GET /` here are
//! what an axum service on this machine can do at best.
//!
//! `GET /bytes/{n}` answers `n` bytes (at most 1 MiB) from a static buffer:
//! the same ceiling for an answer as large as one of dezone's prepared
//! resources, so that the cost of moving a body through the kernel can be
//! told apart from the cost of serving it.
//!
//! `cargo run --release --example hello [-- ADDR]` (default `127.0.0.1:3999`).

use axum::{Router, extract::Path, routing::get};
use bytes::Bytes;

/// The bodies of `/bytes/{n}`.
static BODY: [u8; 1 << 20] = [b'x'; 1 << 20];

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3999".to_owned());
    let app =
        Router::new()
            .route("/", get(|| async { "Hello, World!" }))
            .route(
                "/bytes/{n}",
                get(|Path(n): Path<usize>| async move {
                    Bytes::from_static(&BODY[..n.min(BODY.len())])
                }),
            );
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("hello listening on http://{addr}");
    axum::serve(listener, app).await
}
