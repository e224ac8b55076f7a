// Hand-written for airstream: what CMake's generate_export_header(kudu_client_exported BASE_NAME kudu)
// generates into <build>/src/kudu/util/kudu_export.h when Kudu is built as a shared client library
// (see src/kudu/client/CMakeLists.txt of Apache Kudu 1.18.1) and installs beside the other client
// headers. It is not part of the Kudu source tree, so it is written out here; the headers use only
// KUDU_EXPORT and KUDU_NO_EXPORT. See ../../../README.md.

#ifndef KUDU_EXPORT_H
#define KUDU_EXPORT_H

#ifdef KUDU_STATIC_DEFINE
#  define KUDU_EXPORT
#  define KUDU_NO_EXPORT
#else
#  ifndef KUDU_EXPORT
#    define KUDU_EXPORT __attribute__((visibility("default")))
#  endif
#  ifndef KUDU_NO_EXPORT
#    define KUDU_NO_EXPORT __attribute__((visibility("hidden")))
#  endif
#endif

#ifndef KUDU_DEPRECATED
#  define KUDU_DEPRECATED __attribute__ ((__deprecated__))
#endif

#ifndef KUDU_DEPRECATED_EXPORT
#  define KUDU_DEPRECATED_EXPORT KUDU_EXPORT KUDU_DEPRECATED
#endif

#ifndef KUDU_DEPRECATED_NO_EXPORT
#  define KUDU_DEPRECATED_NO_EXPORT KUDU_NO_EXPORT KUDU_DEPRECATED
#endif

#endif /* KUDU_EXPORT_H */
