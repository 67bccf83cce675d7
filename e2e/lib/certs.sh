# Certificates for the local control plane, made with openssl.
# Sourced by controlplane.sh; writes into the directory given as $1.
#
#   ca.{crt,key}                cluster CA: signs the apiserver's serving cert and client certs
#   apiserver.{crt,key}         serving cert, SANs for loopback, the node address and the
#                               in-cluster service names
#   admin.{crt,key}             client cert, O=system:masters
#   watchfilter.{crt,key}       client cert the proxy uses upstream in the standalone tests
#                               (O=system:masters); the aggregated tests use the manifests'
#                               ServiceAccount instead (e2e/lib/apiservice.sh)
#   sa.{key,pub}                service-account token signing key pair
#   front-proxy-ca.{crt,key}    requestheader CA (a CA of its own, not the client CA)
#   front-proxy-client.{crt,key} the aggregator's client cert, CN=front-proxy-client

certs_days=2

certs_ca() { # name subject
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$certs_days" \
    -keyout "$1.key" -out "$1.crt" -subj "$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null
}

certs_leaf() { # ca name subject usage [subjectAltName]
  local ca=$1 name=$2 subject=$3 usage=$4 san=${5:-}
  local ext="$name.ext"
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$usage"
    [[ -n $san ]] && echo "subjectAltName=$san"
  } >"$ext"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" \
    -subj "$subject" 2>/dev/null
  openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial \
    -days "$certs_days" -sha256 -extfile "$ext" -out "$name.crt" 2>/dev/null
  rm -f "$name.csr" "$ext"
}

certs_generate() { # dir node_ip service_ip
  local dir=$1 node_ip=$2 service_ip=$3
  (
    set -e
    cd "$dir"
    certs_ca ca "/CN=watchfilter-e2e-ca"
    certs_leaf ca apiserver "/CN=kube-apiserver" serverAuth \
      "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:$node_ip,IP:$service_ip"
    certs_leaf ca admin "/O=system:masters/CN=admin" clientAuth
    certs_leaf ca watchfilter "/O=system:masters/CN=watchfilter-proxy" clientAuth
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    certs_ca front-proxy-ca "/CN=watchfilter-e2e-front-proxy-ca"
    certs_leaf front-proxy-ca front-proxy-client "/CN=front-proxy-client" clientAuth
    chmod 600 ./*.key
  )
}
