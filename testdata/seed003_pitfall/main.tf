# Seed 003, the first Terraform translation of the console setup: endpoint SG
# and instance SG both "allow all inbound", and the instance SG has no egress
# rule at all (the console would have added allow-all egress; Terraform does not).
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "3.39.0"
    }
  }
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "mock_access_key"
  secret_key                  = "mock_secret_key"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_get_ec2_platforms      = true
  skip_region_validation      = true

  # data sources (and applies) go to the moto server that testdata/regen.py runs
  endpoints {
    ec2 = "http://127.0.0.1:45671"
    iam = "http://127.0.0.1:45671"
    ssm = "http://127.0.0.1:45671"
    sts = "http://127.0.0.1:45671"
  }
}

# Networking
resource "aws_vpc" "vpc-1" {
    cidr_block = "10.0.0.0/24"
    enable_dns_support = true
    enable_dns_hostnames = true

    tags = {
        Name = "my-vpc-1"
    }
}

resource "aws_subnet" "subnet-1a" {
    vpc_id = aws_vpc.vpc-1.id
    cidr_block = "10.0.0.0/25"

    availability_zone = "us-east-1a"

    tags = {
        Name = "my-subnet-1a"
    }
}

# VPC Endpoints
locals {
    interface_endpoints = toset([
        "ssm",
        "ssmmessages",
        "ec2messages"
    ])
}

resource "aws_vpc_endpoint" "interface" {
    for_each = local.interface_endpoints

    vpc_id = aws_vpc.vpc-1.id
    subnet_ids = [aws_subnet.subnet-1a.id]
    vpc_endpoint_type = "Interface"

    service_name = "com.amazonaws.us-east-1.${each.key}"
    private_dns_enabled = true
    security_group_ids = [aws_security_group.endpoint-sg.id]

    tags = {
        Name = "endpoint-${each.key}"
    }
}

# Security Group for VPC endpoints: all inbound traffic allowed (temporarily)
resource "aws_security_group" "endpoint-sg" {
    name = "endpoint-sg"
    description = "Allow EC2 traffic."
    vpc_id = aws_vpc.vpc-1.id

    tags = {
        Name = "endpoint-sg"
    }
}

resource "aws_vpc_security_group_ingress_rule" "ingress-endpoint-sg" {
    security_group_id = aws_security_group.endpoint-sg.id
    cidr_ipv4 = "0.0.0.0/0"
    ip_protocol = -1
}

# EC2 Security Group: all inbound, replicated from the console ... and no egress
resource "aws_security_group" "sg-ec2" {
    name = "my-ec2"
    description = "EC2 security group"
    vpc_id = aws_vpc.vpc-1.id

    tags = {
        Name = "my-ec2-sg"
    }
}

resource "aws_vpc_security_group_ingress_rule" "ingress-sg-ec2" {
    security_group_id = aws_security_group.sg-ec2.id
    cidr_ipv4 = "0.0.0.0/0"
    ip_protocol = -1
}

# EC2
resource "aws_instance" "my-ec2-1" {
    ami = data.aws_ssm_parameter.al2023.value
    instance_type = "t3.micro"

    subnet_id = aws_subnet.subnet-1a.id
    vpc_security_group_ids = [
        aws_security_group.sg-ec2.id,
    ]

    tags = {
        Name = "my-ec2-1"
    }
}

data "aws_ssm_parameter" "al2023" {
  name = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
}
