//! What the fake servers share: serving an axum app on loopback until
//! stopped, in the current runtime or from a thread of its own.

use std::future::Future;
use std::io;
use std::thread::JoinHandle;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A running server; dropping it stops it (and joins its thread, if any).
pub(crate) struct Server {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub(crate) url: String,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves `app` on `listener` in the current tokio runtime.
    pub(crate) fn serve(
        listener: TcpListener,
        app: Router,
        what: &'static str,
    ) -> io::Result<Server> {
        let url = format!("http://{}", listener.local_addr()?);
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let stop = async {
                let _ = rx.await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(stop)
                .await
            {
                tracing::error!("{what} server failed: {e}");
            }
        });
        Ok(Server {
            url,
            shutdown: Some(tx),
            thread: None,
        })
    }

    /// Runs `start` on a thread named `name` with its own runtime, for
    /// synchronous tests that run binaries as subprocesses; returns the
    /// state `start` gives and a server that stops the runtime (cancelling
    /// open connections) and joins the thread on drop.
    pub(crate) fn spawn_thread<S, F, Fut>(name: &str, start: F) -> io::Result<(S, Server)>
    where
        S: Send + 'static,
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = io::Result<(S, Server)>>,
    {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                rt.block_on(async move {
                    match start().await {
                        Ok((state, server)) => {
                            let _ = ready_tx.send(Ok((state, server.url.clone())));
                            let _ = stop_rx.await;
                            drop(server);
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
            })?;
        let (state, url) = ready_rx
            .recv()
            .map_err(|_| io::Error::other(format!("the {name} thread ended before serving")))??;
        Ok((
            state,
            Server {
                url,
                shutdown: Some(stop_tx),
                thread: Some(thread),
            },
        ))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
