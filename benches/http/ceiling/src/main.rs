//! `GET /json` on plain actix-web with one worker: what the HTTP layer alone costs, the
//! ceiling for any Python server built on it. `bolt-bench-ceiling PORT http` serves the same
//! answer from actix-http directly (no actix-web App), the layer django-bolt's server uses.

use actix_web::{web, App, HttpResponse, HttpServer};

const BODY: &str = r#"{"message":"Hello, World!"}"#;

async fn json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(BODY)
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(8000);
    let raw_http = args.next().as_deref() == Some("http");
    actix_rt::System::new().block_on(async move {
        if raw_http {
            return actix_server::Server::build()
                .workers(1)
                .bind("ceiling", ("127.0.0.1", port), || {
                    actix_http::HttpService::build()
                        .finish(|_req: actix_http::Request| async {
                            let mut res =
                                actix_http::Response::with_body(actix_http::StatusCode::OK, BODY);
                            res.headers_mut().insert(
                                actix_http::header::CONTENT_TYPE,
                                actix_http::header::HeaderValue::from_static("application/json"),
                            );
                            Ok::<_, std::convert::Infallible>(res)
                        })
                        .tcp()
                })?
                .run()
                .await;
        }
        HttpServer::new(|| App::new().route("/json", web::get().to(json)))
            .workers(1)
            .bind(("127.0.0.1", port))?
            .run()
            .await
    })
}
