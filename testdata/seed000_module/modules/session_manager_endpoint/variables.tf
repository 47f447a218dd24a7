variable "env" {
  type        = string
  description = "Environment name (e.g., 'production', 'staging', 'dev')"
}

variable "project_id" {
  type        = string
  description = "Project identifier for resource tagging"
}

variable "subnet_ids" {
  type        = list(string)
  description = "List of subnet IDs where endpoints will be created"
}

variable "resources_security_group_ids" {
  type        = list(string)
  description = "Security group IDs of EC2 instances needing access"
}

variable "enable_session_manager_endpoints" {
  type        = bool
  description = "Enable/disable endpoint creation"
  default     = false
}
