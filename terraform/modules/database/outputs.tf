output "address" {
  description = "DNS name of the instance (PGHOST)."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "PostgreSQL port (PGPORT)."
  value       = aws_db_instance.this.port
}

output "database_name" {
  description = "Application database name (PGDATABASE)."
  value       = aws_db_instance.this.db_name
}

output "identifier" {
  description = "DB instance identifier (the DBInstanceIdentifier dimension of AWS/RDS metrics)."
  value       = aws_db_instance.this.identifier
}

output "master_user_secret_arn" {
  description = "ARN of the RDS-managed Secrets Manager secret holding the master username and password (JSON keys username, password). An ARN, not the secret."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "security_group_id" {
  description = "Security group of the instance."
  value       = aws_security_group.this.id
}
