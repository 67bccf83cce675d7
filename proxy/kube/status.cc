#include "proxy/kube/status.h"

#include "proxy/base/json_writer.h"

namespace watchfilter::proxy {

namespace http = boost::beast::http;

std::string_view reason_name(StatusReason reason) {
  switch (reason) {
    case StatusReason::kBadRequest:
      return "BadRequest";
    case StatusReason::kUnauthorized:
      return "Unauthorized";
    case StatusReason::kForbidden:
      return "Forbidden";
    case StatusReason::kNotFound:
      return "NotFound";
    case StatusReason::kMethodNotAllowed:
      return "MethodNotAllowed";
    case StatusReason::kRequestEntityTooLarge:
      return "RequestEntityTooLarge";
    case StatusReason::kInternalError:
      return "InternalError";
    case StatusReason::kServiceUnavailable:
      return "ServiceUnavailable";
    case StatusReason::kTimeout:
      return "Timeout";
    case StatusReason::kAlreadyExists:
      return "AlreadyExists";
    case StatusReason::kUnsupportedMediaType:
      return "UnsupportedMediaType";
    case StatusReason::kInvalid:
      return "Invalid";
    case StatusReason::kTooManyRequests:
      return "TooManyRequests";
  }
  return "InternalError";
}

http::status reason_code(StatusReason reason) {
  switch (reason) {
    case StatusReason::kBadRequest:
      return http::status::bad_request;
    case StatusReason::kUnauthorized:
      return http::status::unauthorized;
    case StatusReason::kForbidden:
      return http::status::forbidden;
    case StatusReason::kNotFound:
      return http::status::not_found;
    case StatusReason::kMethodNotAllowed:
      return http::status::method_not_allowed;
    case StatusReason::kRequestEntityTooLarge:
      return http::status::payload_too_large;
    case StatusReason::kInternalError:
      return http::status::internal_server_error;
    case StatusReason::kServiceUnavailable:
      return http::status::service_unavailable;
    case StatusReason::kTimeout:
      return http::status::gateway_timeout;
    case StatusReason::kAlreadyExists:
      return http::status::conflict;
    case StatusReason::kUnsupportedMediaType:
      return http::status::unsupported_media_type;
    case StatusReason::kInvalid:
      return http::status::unprocessable_entity;
    case StatusReason::kTooManyRequests:
      return http::status::too_many_requests;
  }
  return http::status::internal_server_error;
}

std::string status_json(StatusReason reason, std::string_view message,
                        const StatusDetails* details) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  const std::string_view name = reason_name(reason);
  w.StartObject();
  w.Key("kind");
  w.String("Status");
  w.Key("apiVersion");
  w.String("v1");
  w.Key("metadata");
  w.StartObject();
  w.EndObject();
  w.Key("status");
  w.String("Failure");
  w.Key("message");
  write_string(w, message);
  w.Key("reason");
  write_string(w, name);
  if (details != nullptr) {
    w.Key("details");
    w.StartObject();
    write_field_if(w, "name", details->name);
    write_field_if(w, "group", details->group);
    write_field_if(w, "kind", details->kind);
    if (!details->causes.empty()) {
      w.Key("causes");
      w.StartArray();
      for (const StatusCause& cause : details->causes) {
        w.StartObject();
        write_field_if(w, "reason", cause.reason);
        write_field_if(w, "message", cause.message);
        write_field_if(w, "field", cause.field);
        w.EndObject();
      }
      w.EndArray();
    }
    if (details->retry_after_seconds > 0) {
      w.Key("retryAfterSeconds");
      w.Int(details->retry_after_seconds);
    }
    w.EndObject();
  }
  w.Key("code");
  w.Int(static_cast<int>(reason_code(reason)));
  w.EndObject();
  return json_text(buffer);
}

}  // namespace watchfilter::proxy
