# Applies the module against the integrator.io emulator and a real PostgreSQL: the connections
# are created, checked (a direct login from here and the emulator's test, which logs in too),
# and destroyed at the end. Needs INTEGRATORIO_API_TOKEN and INTEGRATORIO_BASE_URL pointing at
# the emulator, and the databases in TF_VAR_databases and TF_VAR_passwords (see docs/guides/testing.md).
#
#   terraform test -filter=tests/apply.tftest.hcl

# databases and passwords come from the environment, as a CI job sets them:
#   TF_VAR_databases='{"orders":{"host":"127.0.0.1","port":5433,"database":"orders","username":"app","ca_pem":"..."}}'
#   TF_VAR_passwords='{"orders":"..."}'
variables {
  name_prefix = "tftest-"
}

run "create" {
  assert {
    condition     = length(output.ids["orders"]) == 24
    error_message = "integrator.io gave the connection an id"
  }
  assert {
    condition     = output.offline == []
    error_message = "integrator.io's test after the create passed"
  }
}

run "rotate_the_password" {
  variables {
    password_version = 2
  }

  assert {
    condition     = integratorio_postgres_connection.this["orders"].password_wo_version == 2
    error_message = "the new password was sent"
  }
  assert {
    condition     = output.offline == []
    error_message = "the connection is still online after the rotation"
  }
}
