//! A fake Elasticsearch node (plain HTTP or TLS with the production server builder) whose
//! `_bulk` answers are scripted, storing what it indexed by `_id`; shipper configs for it;
//! and a test CA.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::Read;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use ironstack_pki::{
    CertificateAuthority, CertificateSpec, DistinguishedName, ExtendedKeyUsage, KeyAlgorithm,
    KeyUsage, PrivateKey, Validity,
};
use ironstack_shipper::config::{self, Overrides, ShipperConfig};
use ironstack_tls::rustls::ServerConfig;
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// One `create` item of a bulk request.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub(crate) id: String,
    /// The action's `_index`.
    pub(crate) index: Option<String>,
    pub(crate) source: Value,
}

/// What the scripted `_bulk` handler decides for a request.
pub(crate) enum BulkAnswer {
    /// A whole-request status with a body (e.g. 500, 413, 429).
    Status(u16, &'static str),
    /// Index the given items first, then answer with a whole-request status (a response
    /// lost after indexing).
    IndexThenStatus(Vec<usize>, u16),
    /// 200 with this raw body.
    Raw(&'static str),
    /// Per item: `None` = index normally (409 when the id exists), `Some(status)` = that status.
    Items(Vec<Option<u16>>),
}

/// The node's state.
#[derive(Default)]
pub(crate) struct State {
    /// Indexed documents by `_id`, with how many times each was stored.
    pub(crate) stored: HashMap<String, (Value, usize)>,
    /// Requests seen: (method, path).
    pub(crate) requests: Vec<(String, String)>,
    /// Bulk calls so far.
    pub(crate) bulk_calls: usize,
    /// Item counts of each bulk call.
    pub(crate) bulk_sizes: Vec<usize>,
}

pub(crate) type Script = Box<dyn Fn(usize, &[Item], &State) -> BulkAnswer + Send + Sync>;

pub(crate) struct FakeNode {
    pub(crate) addr: SocketAddr,
    pub(crate) state: Arc<Mutex<State>>,
    tasks: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl FakeNode {
    pub(crate) async fn start(tls: Option<Arc<ServerConfig>>, script: Script) -> FakeNode {
        Self::start_at("127.0.0.1:0".parse().unwrap(), tls, script).await
    }

    /// Stops listening and drops every open connection (the node goes down).
    pub(crate) fn stop(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    pub(crate) async fn start_at(
        at: SocketAddr,
        tls: Option<Arc<ServerConfig>>,
        script: Script,
    ) -> FakeNode {
        let listener = TcpListener::bind(at).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let script = Arc::new(script);
        let shared = state.clone();
        let tasks: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let registry = tasks.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    break;
                };
                let state = shared.clone();
                let script = script.clone();
                let tls = tls.clone();
                let connection = tokio::spawn(async move {
                    let service = service_fn(move |req| {
                        let state = state.clone();
                        let script = script.clone();
                        async move {
                            Ok::<_, std::convert::Infallible>(handle(req, &state, &script).await)
                        }
                    });
                    let builder = hyper::server::conn::http1::Builder::new();
                    match tls {
                        Some(config) => {
                            let Ok(stream) =
                                tokio_rustls::TlsAcceptor::from(config).accept(tcp).await
                            else {
                                return;
                            };
                            let _ = builder
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        }
                        None => {
                            let _ = builder.serve_connection(TokioIo::new(tcp), service).await;
                        }
                    }
                });
                registry.lock().unwrap().push(connection.abort_handle());
            }
        });
        tasks.lock().unwrap().push(accept.abort_handle());
        FakeNode { addr, state, tasks }
    }

    /// How many times each id was stored.
    pub(crate) fn store_counts(&self) -> HashMap<String, usize> {
        self.state
            .lock()
            .unwrap()
            .stored
            .iter()
            .map(|(k, (_, n))| (k.clone(), *n))
            .collect()
    }
}

async fn handle(
    req: Request<hyper::body::Incoming>,
    state: &Mutex<State>,
    script: &Script,
) -> Response<Full<Bytes>> {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let gzip = req
        .headers()
        .get("content-encoding")
        .is_some_and(|v| v == "gzip");
    let raw = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let body = if gzip {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .unwrap();
        out
    } else {
        raw.to_vec()
    };
    state
        .lock()
        .unwrap()
        .requests
        .push((method.clone(), path.clone()));
    let reply = |status: u16, body: String| {
        Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .unwrap()
    };
    match (method.as_str(), path.as_str()) {
        ("GET", "/") => reply(200, json!({"name": "fake", "cluster_name": "fake", "version": {"number": "9.1.0"}, "tagline": "You Know, for Search"}).to_string()),
        (_, "/_bulk") => {
            let text = String::from_utf8(body).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            let items: Vec<Item> = lines
                .chunks(2)
                .map(|pair| {
                    let action: Value = serde_json::from_str(pair[0]).unwrap();
                    Item {
                        id: action["create"]["_id"].as_str().unwrap().to_string(),
                        index: action["create"]["_index"].as_str().map(str::to_string),
                        source: serde_json::from_str(pair[1]).unwrap(),
                    }
                })
                .collect();
            let mut st = state.lock().unwrap();
            st.bulk_calls += 1;
            st.bulk_sizes.push(items.len());
            let call = st.bulk_calls;
            let answer = script(call, &items, &st);
            let index = |st: &mut State, item: &Item| -> u16 {
                match st.stored.get_mut(&item.id) {
                    Some(_) => 409,
                    None => {
                        st.stored.insert(item.id.clone(), (item.source.clone(), 1));
                        201
                    }
                }
            };
            match answer {
                BulkAnswer::Status(status, body) => reply(status, body.to_string()),
                BulkAnswer::IndexThenStatus(which, status) => {
                    for i in which {
                        index(&mut st, &items[i]);
                    }
                    reply(status, "{}".to_string())
                }
                BulkAnswer::Raw(body) => reply(200, body.to_string()),
                BulkAnswer::Items(plan) => {
                    let mut out = Vec::new();
                    for (item, decision) in items.iter().zip(plan) {
                        let status = match decision {
                            None => index(&mut st, item),
                            Some(s) => s,
                        };
                        out.push(if status < 300 {
                            json!({"create": {"status": status}})
                        } else {
                            json!({"create": {"status": status, "error": {"type": "fake_exception", "reason": format!("status {status}")}}})
                        });
                    }
                    reply(200, json!({"errors": true, "items": out}).to_string())
                }
            }
        }
        // Index management: everything exists already.
        _ => reply(200, "{}".to_string()),
    }
}

/// Loads a shipper config from YAML text for the fake node.
pub(crate) fn shipper_config(dir: &Path, yaml: &str) -> ShipperConfig {
    use std::os::unix::fs::PermissionsExt;
    let f = dir.join("shipper.yml");
    std::fs::write(&f, yaml).unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
    let overrides = Overrides {
        strict_perms: true,
        ..Default::default()
    };
    let loaded = config::load(&overrides, &HashMap::new(), dir).unwrap();
    ShipperConfig::from_loaded(&loaded).unwrap()
}

fn spec(cn: &str, dns: &[&str], ips: &[&str], is_ca: bool) -> CertificateSpec {
    CertificateSpec {
        subject: DistinguishedName::common_name(cn),
        dns_names: dns.iter().map(|s| s.to_string()).collect(),
        ip_addresses: ips.iter().map(|s| s.parse::<IpAddr>().unwrap()).collect(),
        other_name_cns: Vec::new(),
        validity: Validity::days_from_now(30),
        is_ca,
        key_usage: if is_ca {
            vec![KeyUsage::KeyCertSign, KeyUsage::CrlSign]
        } else {
            vec![KeyUsage::DigitalSignature, KeyUsage::KeyEncipherment]
        },
        extended_key_usage: if is_ca {
            Vec::new()
        } else {
            vec![ExtendedKeyUsage::ServerAuth]
        },
    }
}

/// A CA that writes its PEM and issues server configurations.
pub(crate) struct TestCa {
    pub(crate) ca: CertificateAuthority,
}

impl TestCa {
    pub(crate) fn new(cn: &str) -> TestCa {
        let key = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
        TestCa {
            ca: CertificateAuthority::generate(&spec(cn, &[], &[], true), key).unwrap(),
        }
    }

    pub(crate) fn write(&self, dir: &Path, name: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, self.ca.certificate.to_pem()).unwrap();
        p
    }

    pub(crate) fn fingerprint(&self) -> String {
        self.ca.certificate.sha256_fingerprint()
    }

    /// A server configuration for a leaf with these SANs; the chain includes the CA.
    pub(crate) fn server(
        &self,
        dir: &Path,
        cn: &str,
        dns: &[&str],
        ips: &[&str],
    ) -> Arc<ServerConfig> {
        let key = PrivateKey::generate(KeyAlgorithm::EcP256).unwrap();
        let leaf = self.ca.sign(&spec(cn, dns, ips, false), &key).unwrap();
        let cert = dir.join(format!("{cn}.crt"));
        let key_path = dir.join(format!("{cn}.key"));
        std::fs::write(&cert, leaf.to_pem() + &self.ca.certificate.to_pem()).unwrap();
        std::fs::write(&key_path, key.to_pkcs8_pem()).unwrap();
        ironstack_tls::server_config(&ironstack_tls::ServerTlsSettings::new(
            ironstack_tls::Identity::Pem {
                certificate: cert,
                key: key_path,
                passphrase: None,
            },
        ))
        .unwrap()
    }
}
