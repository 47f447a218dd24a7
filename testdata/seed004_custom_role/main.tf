# Seed 004 (Landing Zone Accelerator docs), "Using Custom Instance Role", as
# written. The landing-zone network (VPC, subnet) lives outside this
# configuration: its ids reach the plan only as literal variable defaults.
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

variable "subnet_id" {
  type        = string
  description = "Landing-zone private subnet (managed outside this configuration)"
  default     = "subnet-0123456789abcdef0"
}

variable "vpc_id" {
  type        = string
  description = "Landing-zone VPC (managed outside this configuration)"
  default     = "vpc-0123456789abcdef0"
}

variable "custom_policy_arn" {
  type        = string
  description = "Application policy attached next to AmazonSSMManagedInstanceCore"
  default     = "arn:aws:iam::123456789012:policy/CustomAppPolicy"
}

data "aws_ami" "amazon_linux" {
  most_recent = true
  owners      = ["amazon"]

  filter {
    name   = "name"
    values = ["amzn2-ami-hvm-*-x86_64-gp2"]
  }
}

# Custom IAM role with Session Manager permissions
resource "aws_iam_role" "custom_role" {
  name = "CustomEC2Role"
  
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Action = "sts:AssumeRole"
        Effect = "Allow"
        Principal = {
          Service = "ec2.amazonaws.com"
        }
      }
    ]
  })
}

# Attach Session Manager managed policy
resource "aws_iam_role_policy_attachment" "ssm_managed_instance_core" {
  role       = aws_iam_role.custom_role.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

# Add your custom policies here
resource "aws_iam_role_policy_attachment" "custom_policy" {
  role       = aws_iam_role.custom_role.name
  policy_arn = var.custom_policy_arn
}

# Instance profile for the custom role
resource "aws_iam_instance_profile" "custom_profile" {
  name = "CustomEC2Profile"
  role = aws_iam_role.custom_role.name
}

# EC2 instance with custom role
resource "aws_instance" "custom_example" {
  ami                    = data.aws_ami.amazon_linux.id
  instance_type          = "t3.micro"
  iam_instance_profile   = aws_iam_instance_profile.custom_profile.name
  subnet_id              = var.subnet_id
  vpc_security_group_ids = [aws_security_group.example.id]
  
  tags = {
    Name = "CustomRole-Example"
  }
}

# Security group allowing outbound HTTPS for Systems Manager
resource "aws_security_group" "example" {
  name        = "session-manager-sg"
  description = "Security group for Session Manager access"
  vpc_id      = var.vpc_id

  egress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
    description = "HTTPS outbound for Systems Manager"
  }

  tags = {
    Name = "SessionManager-SG"
  }
}
