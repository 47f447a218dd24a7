variable "project_name" {
  type = string
}

variable "aws_region" {
  type = string
}

variable "vpc_cidr" {
  type = string
}

variable "public_subnets" {
  type = map(object({ cidr = string, az = string }))
}

variable "private_subnets" {
  type = map(object({ cidr = string, az = string }))
}

variable "enable_nat" {
  type        = bool
  description = "NAT gateway for the private subnets"
  default     = true
}

variable "enable_ssm_vpc_endpoints" {
  type        = bool
  description = "Enable VPC Endpoints for SSM"
  default     = true
}
